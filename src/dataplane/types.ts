// The contract between the control plane and the DNS data plane: what the reconciler hands over.

/** A DNS server to forward to. */
export interface UpstreamTarget {
  readonly ip: string;
  readonly port: number; // 53 unless a rule or config says otherwise
}

/** An ACTIVE resolver rule as the data plane sees it. */
export interface ForwardRule {
  readonly id: string;
  /** Lower case, no trailing dot ("corp.example"); matched on whole labels. */
  readonly domain: string;
  readonly targets: readonly UpstreamTarget[];
  /** ACTIVE addresses of the rule's outbound endpoint: queries leave from one of these. Empty: SERVFAIL. */
  readonly sourceIps: readonly string[];
  readonly endpointId: string;
}

/** Where a VPC's query log lines go (one JSON object per line). */
export interface QueryLogDestination {
  readonly configId: string;
  readonly file: string; // absolute path of the JSON-lines file
}

/** Everything needed to answer a query that arrived in one VPC's context. */
export interface VpcContext {
  readonly vpcId: string;
  /** ACTIVE rules associated with the VPC. */
  readonly rules: readonly ForwardRule[];
  /** Where unmatched queries go (the VPC's own list, else the deployment default). Empty: REFUSED. */
  readonly upstreams: readonly UpstreamTarget[];
  readonly queryLog?: QueryLogDestination;
}
