/**
 * AWS wire formats for the fake AWS server: the query protocol's XML documents (IAM, STS), its
 * form-encoded parameters, and the error bodies of the query, JSON 1.1 and REST-JSON protocols.
 *
 * Test support only: nothing in the product imports this module.
 */

/** A value the query-protocol XML serializer writes. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | undefined
  | null
  | XmlValue[]
  | { [key: string]: XmlValue };

/** Escapes text for an XML element's content. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** IAM's timestamp form: `2024-05-01T10:00:00Z` (no milliseconds). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Serializes `value` the way the query protocol does: an object's members as elements in order, a
 * list's items as `<member>` elements, timestamps in ISO 8601, blobs in base64; `undefined` and
 * `null` members are left out.
 */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (value instanceof Date) return isoSeconds(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    let out = '';
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined || member === null) continue;
      out += `<${key}>${toXml(member)}</${key}>`;
    }
    return out;
  }
  return escapeXml(String(value));
}

/** The XML namespace of each query-protocol service's documents. */
export const QUERY_NAMESPACES: Readonly<Record<string, string>> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/**
 * A query-protocol success document: `<OpResponse><OpResult>...</OpResult><ResponseMetadata>`.
 * Operations without output (`PutRolePolicy`, ...) have no `<OpResult>` element.
 */
export function queryResponse(
  service: string,
  operation: string,
  result: Record<string, XmlValue> | undefined,
  requestId: string,
): string {
  const ns = QUERY_NAMESPACES[service] ?? '';
  const body =
    result === undefined ? '' : `<${operation}Result>${toXml(result)}</${operation}Result>`;
  return (
    `<${operation}Response xmlns="${ns}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

/** A query-protocol error document (`<ErrorResponse><Error><Type><Code><Message>`). */
export function queryError(
  service: string,
  code: string,
  message: string,
  requestId: string,
  type: 'Sender' | 'Receiver' = 'Sender',
): string {
  const ns = QUERY_NAMESPACES[service] ?? '';
  return (
    `<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/**
 * Reads a query-protocol list parameter: `Name.member.1`, `Name.member.2`, ... in order.
 */
export function queryList(params: ReadonlyMap<string, string>, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++)
    out.push(params.get(`${name}.member.${i}`)!);
  return out;
}

/** The access key id and the signing service name of a SigV4 `Authorization` header. */
export function parseSigV4(
  authorization: string | undefined,
): { accessKeyId: string; service: string } | undefined {
  if (authorization === undefined) return undefined;
  const m = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization);
  if (m === null) return undefined;
  return { accessKeyId: m[1]!, service: m[2]! };
}
