// Resource statuses (the wire strings, declared once) and the lifecycle transitions, as data.

export const STATUSES = ['PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE', 'ACTIVE', 'ERROR'] as const;
export type Status = (typeof STATUSES)[number];

export const isPending = (s: Status): boolean => s.startsWith('PENDING_');

/** The terminal pseudo-status of a row the reconciler removes. */
export type Gone = 'GONE';

/**
 * Who may move a resource from one status to another. `api` transitions happen in the request's
 * transaction; `reconciler` transitions happen only in the reconciler. Anything not listed is refused.
 */
export type ResourceKind = 'endpoint' | 'address' | 'rule' | 'association';

export const TRANSITIONS: Readonly<Record<ResourceKind, ReadonlyArray<{ from: Status; to: Status | Gone; by: 'api' | 'reconciler' }>>> = {
  endpoint: [
    { from: 'PENDING_CREATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_CREATE', to: 'ERROR', by: 'reconciler' },
    { from: 'PENDING_UPDATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_UPDATE', to: 'ERROR', by: 'reconciler' },
    { from: 'ACTIVE', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'PENDING_UPDATE', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'PENDING_CREATE', to: 'PENDING_CREATE', by: 'api' },
    { from: 'ACTIVE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_CREATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_UPDATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ACTIVE', to: 'ERROR', by: 'reconciler' },
    { from: 'ERROR', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_DELETE', to: 'GONE', by: 'reconciler' },
  ],
  address: [
    { from: 'PENDING_CREATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_CREATE', to: 'ERROR', by: 'reconciler' },
    { from: 'ACTIVE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_CREATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ACTIVE', to: 'ERROR', by: 'reconciler' },
    { from: 'ERROR', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_DELETE', to: 'GONE', by: 'reconciler' },
  ],
  rule: [
    { from: 'PENDING_CREATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_UPDATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'ACTIVE', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'PENDING_CREATE', to: 'PENDING_CREATE', by: 'api' },
    { from: 'PENDING_UPDATE', to: 'PENDING_UPDATE', by: 'api' },
    { from: 'ACTIVE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_CREATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_UPDATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_DELETE', to: 'GONE', by: 'reconciler' },
  ],
  association: [
    { from: 'PENDING_CREATE', to: 'ACTIVE', by: 'reconciler' },
    { from: 'PENDING_CREATE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ACTIVE', to: 'PENDING_DELETE', by: 'api' },
    { from: 'ERROR', to: 'PENDING_DELETE', by: 'api' },
    { from: 'PENDING_DELETE', to: 'GONE', by: 'reconciler' },
  ],
};

export function canTransition(kind: ResourceKind, from: Status, to: Status | Gone, by: 'api' | 'reconciler'): boolean {
  return TRANSITIONS[kind].some((t) => t.from === from && t.to === to && t.by === by);
}
