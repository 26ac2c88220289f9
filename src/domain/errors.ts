// The error catalog: every wire code vpcdns returns, its HTTP status and message, and one AppError type.

export interface CatalogEntry {
  readonly status: number;
  readonly message: string;
}

/** Every code the API can return. docs/errors.md is checked against this table by a test. */
export const ERROR_CATALOG = {
  'DNS.0001': { status: 500, message: 'Internal error.' },
  'DNS.0002': { status: 400, message: 'Invalid request.' },
  'DNS.0006': { status: 400, message: 'The limit parameter is invalid.' },
  'DNS.0007': { status: 400, message: 'The marker parameter is invalid.' },
  'DNS.0014': { status: 403, message: 'Request forbidden by flow control.' },
  'DNS.0017': { status: 400, message: 'The offset parameter is invalid.' },
  'DNS.0030': { status: 403, message: 'Operation not allowed for this resource.' },
  'DNS.0404': { status: 404, message: 'The requested resource could not be found.' },
  'DNS.0406': { status: 403, message: 'Insufficient inbound endpoint quota.' },
  'DNS.0407': { status: 403, message: 'Insufficient outbound endpoint quota.' },
  'DNS.0413': { status: 413, message: 'Request body too large.' },
  'DNS.0415': { status: 415, message: 'Unsupported media type.' },
  'DNS.0503': { status: 503, message: 'Service temporarily unavailable.' },
  'DNS.0601': { status: 400, message: 'Invalid region.' },
  'DNS.0603': { status: 400, message: 'Invalid request.' },
  'DNS.0608': { status: 400, message: 'This resource is in use.' },
  'DNS.1501': { status: 400, message: 'Invalid endpoint name.' },
  'DNS.1502': { status: 400, message: 'Invalid subnet id.' },
  'DNS.1503': { status: 400, message: 'Invalid endpoint direction.' },
  'DNS.1504': { status: 400, message: 'Endpoint name exists.' },
  'DNS.1505': { status: 400, message: 'Ip is not in this subnet.' },
  'DNS.1506': { status: 400, message: 'Ip is repeated.' },
  'DNS.1507': { status: 400, message: 'Ip has been used.' },
  'DNS.1508': { status: 400, message: 'Subnets are in the different vpc.' },
  'DNS.1509': { status: 400, message: 'Invalid endpoint id.' },
  'DNS.1510': { status: 404, message: 'Endpoint not exist.' },
  'DNS.1511': { status: 404, message: 'Ipaddress not exist.' },
  'DNS.1514': { status: 400, message: 'Invalid number of ipaddress.' },
  'DNS.1515': { status: 400, message: 'Ip address is invalid.' },
  'DNS.1516': { status: 400, message: 'Ip address is broadcast ipaddress or network ipaddress.' },
  'DNS.0701': { status: 400, message: 'Invalid VPC.' },
  'DNS.0711': { status: 404, message: 'This VPC could not be found.' },
  'DNS.1601': { status: 400, message: 'Invalid resolver rule id.' },
  'DNS.1602': { status: 404, message: 'Resolver rule not exist.' },
  'DNS.1603': { status: 400, message: 'Invalid domain name.' },
  'DNS.1604': { status: 400, message: 'Invalid resolver rule ipaddresses.' },
  'DNS.1605': { status: 400, message: 'Resolver rule name is invalid.' },
  'DNS.1606': { status: 400, message: 'A rule for this domain exists on the endpoint.' },
  'DNS.1607': { status: 400, message: 'The VPC is already associated with the rule.' },
  'DNS.1608': { status: 400, message: 'The VPC is not associated with the rule.' },
  'DNS.1609': { status: 400, message: 'The VPC is associated with another rule for this domain.' },
  'DNS.1610': { status: 400, message: 'The endpoint is not active.' },
  'DNS.1701': { status: 400, message: 'Invalid query logging configuration id.' },
  'DNS.1702': { status: 404, message: 'Query logging configuration not exist.' },
  'DNS.1703': { status: 400, message: 'Invalid log group or topic id.' },
  'DNS.1704': { status: 400, message: 'The VPC already has a query logging configuration.' },
  'DNS.1705': { status: 400, message: 'The VPC is not associated with the query logging configuration.' },
  'DNS.2002': { status: 403, message: 'Insufficient domain quota.' },
  'VPC.0101': { status: 400, message: 'Invalid VPC parameter.' },
  'VPC.0102': { status: 404, message: 'VPC not found.' },
  'VPC.0103': { status: 400, message: 'VPC is in use.' },
  'VPC.0201': { status: 400, message: 'Invalid subnet parameter.' },
  'VPC.0202': { status: 404, message: 'Subnet not found.' },
  'VPC.0203': { status: 400, message: 'Subnet is in use.' },
  'VPC.0204': { status: 400, message: 'Subnet CIDR conflicts with another subnet of the VPC.' },
  // Private zones and record sets (issue 18; docs/zones.md).
  'DNS.0201': { status: 400, message: 'The email address of the zone is invalid.' },
  'DNS.0202': { status: 400, message: 'Invalid zone name.' },
  'DNS.0203': { status: 400, message: 'Invalid zone TTL value.' },
  'DNS.0204': { status: 400, message: 'Invalid zone type.' },
  'DNS.0206': { status: 400, message: 'Invalid zone description. The description can contain a maximum of 255 characters.' },
  'DNS.0209': { status: 400, message: 'The zone is not in the Normal state.' },
  'DNS.0212': { status: 400, message: 'This VPC has already been associated with the zone.' },
  'DNS.0301': { status: 400, message: 'Invalid zone ID.' },
  'DNS.0302': { status: 404, message: 'This zone does not exist.' },
  'DNS.0303': { status: 400, message: 'Invalid record set TTL value.' },
  'DNS.0304': { status: 400, message: 'Invalid record set name.' },
  'DNS.0305': { status: 400, message: 'Invalid record set description. The description can contain a maximum of 255 characters.' },
  'DNS.0307': { status: 400, message: 'Invalid record set type.' },
  'DNS.0308': { status: 400, message: 'Invalid record set value.' },
  'DNS.0309': { status: 400, message: 'Invalid record set ID.' },
  'DNS.0312': { status: 400, message: 'This record set name already exists.' },
  'DNS.0313': { status: 404, message: 'This record set does not exist.' },
  'DNS.0314': { status: 400, message: 'The record set is not in a steady state.' },
  'DNS.0315': { status: 400, message: 'Invalid status.' },
  'DNS.0317': { status: 400, message: 'This record set is a default one and cannot be deleted.' },
  'DNS.0318': { status: 400, message: 'This record set is a default one and cannot be updated.' },
  'DNS.0403': { status: 403, message: 'Insufficient record set quota.' },
  'DNS.0409': { status: 403, message: 'Insufficient zone quota.' },
  'DNS.0706': { status: 403, message: 'You are not allowed to disassociate this VPC because this is the last VPC associated with this zone.' },
  'DNS.0707': { status: 400, message: 'The VPC is not associated with the zone.' },
  'DNS.0708': { status: 400, message: 'This VPC cannot be disassociated because it is being associated with the zone.' },
  'APIGW.0301': { status: 401, message: 'Incorrect IAM authentication information.' },
  // Hostile input (issue 17): answers of the HTTP layer, in the same shape as every other error.
  'DNS.0408': { status: 408, message: 'Request timeout.' },
  'DNS.0414': { status: 414, message: 'Request URI too long.' },
  'DNS.0431': { status: 431, message: 'Request header fields too large.' },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The one error type of the control plane. `detail` says what was wrong, naming the field when there is one. */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, detail?: string, field?: string) {
    const entry: CatalogEntry = ERROR_CATALOG[code];
    // The message always names the field at fault, so a client can point at it.
    const named = detail && field && !detail.includes(field) ? `${field}: ${detail}` : detail;
    super(named ? `${entry.message} ${named}` : entry.message);
    this.name = 'AppError';
    this.status = entry.status;
    this.code = code;
    this.field = field;
  }
}

/** The longest echo of a client's value in a message: a huge field is named, not sent back (or logged) whole. */
export const MAX_ECHOED_CHARS = 64;

/** A client's value as a message quotes it: JSON, cut to MAX_ECHOED_CHARS; a list by its length. */
export function quoted(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length <= MAX_ECHOED_CHARS ? text : `${text.slice(0, MAX_ECHOED_CHARS)}... (${text.length} characters)`;
}

// Factories, named for what happened.
export const invalidRequest = (detail: string, field?: string) => new AppError('DNS.0002', detail, field);
export const emptyRequest = (detail: string) => new AppError('DNS.0603', detail);
export const invalidLimit = (value: unknown) => new AppError('DNS.0006', `limit must be an integer from 0 to 500, got ${quoted(value)}.`, 'limit');
export const invalidOffset = (value: unknown) => new AppError('DNS.0017', `offset must be an integer from 0 to 2147483647, got ${quoted(value)}.`, 'offset');
export const invalidMarker = (value: unknown) => new AppError('DNS.0007', `marker ${quoted(value)} is not the id of a listed item.`, 'marker');
export const rateLimited = () => new AppError('DNS.0014', 'Too many requests for this project; retry later.');
export const loginRateLimited = () => new AppError('DNS.0014', 'Too many token requests from this address, or at once; retry later.');
/** 401 APIGW.0301; the detail must never say which part of the credentials was wrong when that helps an attacker. */
export const authenticationFailed = (detail: string) => new AppError('APIGW.0301', detail);
export const subjectTokenNotFound = () => new AppError('DNS.0404', 'The X-Subject-Token is unknown, expired or revoked.');
export const routeNotFound = (method: string, url: string) => new AppError('DNS.0404', `No route for ${method} ${url}.`);
export const bodyTooLarge = (limit: number) => new AppError('DNS.0413', `The body exceeds ${limit} bytes.`);
export const requestTimeout = () => new AppError('DNS.0408', 'The request did not arrive in time; the connection is closed.');
export const paramTooLong = (max: number) => new AppError('DNS.0414', `A path parameter is longer than ${max} characters.`);
export const headersTooLarge = () => new AppError('DNS.0431', 'The request headers exceed 16 KiB.');
export const unsupportedMediaType = (type: string) => new AppError('DNS.0415', `Content-Type ${quoted(type)} is not supported; send application/json.`);
/** 503 DNS.0503: the database cannot be reached or cannot take the write (down, connection lost, disk full); the reply carries Retry-After. */
export const storeUnavailable = (detail: string) => new AppError('DNS.0503', detail);
export const invalidRegion = (region: unknown) => new AppError('DNS.0601', `region ${quoted(region)} is not served here.`, 'region');
export const resourceInUse = (what: string) => new AppError('DNS.0608', what);
export const quotaExceeded = (direction: 'inbound' | 'outbound', quota: number) =>
  new AppError(direction === 'inbound' ? 'DNS.0406' : 'DNS.0407', `The project may have at most ${quota} ${direction} endpoints.`);

export const invalidSubnetId = (id: unknown, field = 'subnet_id', why = 'is not a subnet of this project') =>
  new AppError('DNS.1502', `${field} ${quoted(id)} ${why}.`, field);
export const endpointNameExists = (name: string) => new AppError('DNS.1504', `An endpoint named ${quoted(name)} already exists in this project.`, 'name');
export const ipNotInSubnet = (ip: string, cidr: string, field = 'ip') => new AppError('DNS.1505', `${ip} is not inside subnet ${cidr}.`, field);
export const ipRepeated = (ip: string, field = 'ip') => new AppError('DNS.1506', `${ip} appears more than once in the request.`, field);
export const ipAddressInUse = (ip: string, field = 'ip') => new AppError('DNS.1507', `${ip} is already used in its subnet.`, field);
export const subnetFull = (cidr: string, field = 'subnet_id') => new AppError('DNS.1507', `Subnet ${cidr} has no free address left.`, field);
export const subnetsInDifferentVpcs = (detail: string, field = 'subnet_id') => new AppError('DNS.1508', detail, field);
export const endpointNotFound = (id: string) => new AppError('DNS.1510', `No endpoint ${id} in this project.`, 'endpoint_id');
export const ipAddressNotFound = (id: string) => new AppError('DNS.1511', `No IP address ${id} on this endpoint.`, 'ipaddress_id');
export const invalidIpCount = (detail: string, field = 'ipaddresses') => new AppError('DNS.1514', detail, field);
export const ipIsNetworkOrBroadcast = (ip: string, cidr: string, field = 'ip') =>
  new AppError('DNS.1516', `${ip} is the network or broadcast address of ${cidr}.`, field);

export const ruleNotFound = (id: string) => new AppError('DNS.1602', `No resolver rule ${id} in this project.`, 'resolverrule_id');
export const invalidRuleTargets = (detail: string, field = 'ipaddresses') => new AppError('DNS.1604', detail, field);
export const ruleDomainExists = (domain: string, endpointId: string) =>
  new AppError('DNS.1606', `Endpoint ${endpointId} already has a rule for ${domain}.`, 'domain_name');
export const routerAlreadyAssociated = (vpcId: string) => new AppError('DNS.1607', `VPC ${vpcId} is already associated with this rule.`, 'router.router_id');
export const routerNotAssociated = (vpcId: string) => new AppError('DNS.1608', `VPC ${vpcId} is not associated with this rule.`, 'router.router_id');
export const vpcDomainTaken = (vpcId: string, domain: string) =>
  new AppError('DNS.1609', `VPC ${vpcId} is already associated with another rule for ${domain}.`, 'router.router_id');
export const endpointNotActive = (id: string, status: string) => new AppError('DNS.1610', `Endpoint ${id} is ${status}; rules need an ACTIVE endpoint.`, 'endpoint_id');
export const dnsVpcNotFound = (id: string, field: string) => new AppError('DNS.0711', `No VPC ${id} in this project.`, field);
export const queryLogNotFound = (id: string) => new AppError('DNS.1702', `No query logging configuration ${id} in this project.`, 'resolver_query_log_config_id');
export const vpcAlreadyLogged = (vpcId: string) => new AppError('DNS.1704', `VPC ${vpcId} already has a query logging configuration.`, 'vpc.vpc_id');
export const vpcNotLogged = (vpcId: string) => new AppError('DNS.1705', `VPC ${vpcId} is not associated with this configuration.`, 'vpc.vpc_id');
export const ruleQuotaExceeded = (quota: number) => new AppError('DNS.2002', `The project may have at most ${quota} resolver rules.`);

export const invalidVpc = (detail: string, field?: string) => new AppError('VPC.0101', detail, field);
export const vpcNotFound = (id: string) => new AppError('VPC.0102', `No VPC ${id} in this project.`, 'vpc_id');
export const vpcInUse = (detail: string) => new AppError('VPC.0103', detail);
export const invalidSubnet = (detail: string, field?: string) => new AppError('VPC.0201', detail, field);
export const subnetNotFound = (id: string) => new AppError('VPC.0202', `No subnet ${id} in this project.`, 'subnet_id');
export const subnetInUse = (detail: string) => new AppError('VPC.0203', detail);
export const subnetOverlaps = (cidr: string, other: string) => new AppError('VPC.0204', `${cidr} overlaps subnet ${other} of the same VPC.`, 'cidr');

// Private zones and record sets (issue 18).
export const zoneNotFound = (id: string) => new AppError('DNS.0302', `This Zone '${id}' does not exist.`, 'zone_id');
export const zoneNotNormal = (id: string, status: string) => new AppError('DNS.0209', `Zone ${id} is ${status}; retry once it is ACTIVE.`, 'zone_id');
export const zoneVpcTaken = (vpcId: string, name: string, zoneId: string) =>
  new AppError('DNS.0212', `VPC ${vpcId} already has a private zone ${name} Zone ID:${zoneId}.`, 'router.router_id');
export const zoneQuotaExceeded = (quota: number) => new AppError('DNS.0409', `The project may have at most ${quota} private zones.`);
export const invalidZoneType = (value: unknown, field = 'zone_type') => new AppError('DNS.0204', `${field} must be "private"; got ${quoted(value)}.`, field);
export const recordSetNotFound = (id: string) => new AppError('DNS.0313', `No record set ${id} in this zone.`, 'recordset_id');
export const invalidRecordSetName = (detail: string) => new AppError('DNS.0304', detail, 'name');
export const invalidRecordValue = (detail: string, field = 'records') => new AppError('DNS.0308', detail, field);
export const invalidRecordType = (detail: string) => new AppError('DNS.0307', detail, 'type');
export const recordSetExists = (name: string, type: string) => new AppError('DNS.0312', `Attribute 'name' conflicts with Record Set '${name}' type '${type}'.`, 'name');
export const recordSetNotSteady = (id: string, status: string) => new AppError('DNS.0314', `Record set ${id} is ${status}; retry once it is ACTIVE.`, 'recordset_id');
export const defaultRecordSet = (id: string, op: 'deleted' | 'updated') =>
  new AppError(op === 'deleted' ? 'DNS.0317' : 'DNS.0318', `Record set ${id} is the zone's SOA or NS set.`, 'recordset_id');
export const recordSetQuotaExceeded = (quota: number) => new AppError('DNS.0403', `A zone may have at most ${quota} record sets.`);
export const lastZoneVpc = (vpcId: string) => new AppError('DNS.0706', `VPC ${vpcId} is the zone's only VPC; delete the zone instead.`, 'router.router_id');
export const zoneVpcNotAssociated = (vpcId: string) => new AppError('DNS.0707', `VPC ${vpcId} is not associated with this zone.`, 'router.router_id');
export const zoneVpcAssociating = (vpcId: string) => new AppError('DNS.0708', `VPC ${vpcId} is still being associated (PENDING_CREATE).`, 'router.router_id');
