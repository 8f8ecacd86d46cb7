/**
 * The few XML primitives the Query protocol needs, built as strings: describing a thousand
 * instances a second must not allocate a DOM. Empty values are omitted, as AWS omits absent members.
 */
export const RDS_XML_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

const SPECIAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const SPECIAL_GLOBAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function replaceSpecial(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '"':
      return '&quot;';
    case "'":
      return '&apos;';
    // Characters XML 1.0 cannot carry at all; RDS never returns them, so drop them.
    default:
      return '';
  }
}

export function escapeXml(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_GLOBAL, replaceSpecial) : text;
}

export type Scalar = string | number | boolean | Date | undefined | null;

export function isoTime(value: Date | number): string {
  return (typeof value === 'number' ? new Date(value) : value).toISOString();
}

/** `<name>value</name>`, or nothing for undefined/null. */
export function el(name: string, value: Scalar): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'string') return `<${name}>${escapeXml(value)}</${name}>`;
  return `<${name}>${String(value)}</${name}>`;
}

/** A timestamp member given as epoch milliseconds. */
export function time(name: string, epochMs: number | undefined): string {
  return epochMs === undefined ? '' : `<${name}>${new Date(epochMs).toISOString()}</${name}>`;
}

/** A wrapped list: `<name><member>…</member>…</name>`; `render` returns each member's inner XML. */
export function list<T>(name: string, member: string, items: readonly T[], render: (item: T) => string): string {
  if (items.length === 0) return `<${name}/>`;
  let out = `<${name}>`;
  for (const item of items) out += `<${member}>${render(item)}</${member}>`;
  return `${out}</${name}>`;
}

export function stringList(name: string, member: string, items: readonly string[]): string {
  return list(name, member, items, escapeXml);
}

export function tagList(name: string, tags: readonly { Key: string; Value: string }[]): string {
  return list(name, 'Tag', tags, (t) => `<Key>${escapeXml(t.Key)}</Key><Value>${escapeXml(t.Value)}</Value>`);
}

export function successEnvelope(action: string, resultXml: string | undefined, requestId: string): string {
  const result = resultXml === undefined ? '' : `<${action}Result>${resultXml}</${action}Result>`;
  return (
    `<${action}Response xmlns="${RDS_XML_NAMESPACE}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorEnvelope(type: string, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${RDS_XML_NAMESPACE}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
