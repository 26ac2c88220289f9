// A page of a list: at most `limit` items after skipping `offset` (the store's find verbs).
export interface Page {
  limit: number;
  offset: number;
}
