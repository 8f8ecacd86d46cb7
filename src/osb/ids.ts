/**
 * The IDs a platform puts in URLs (instance and binding IDs) and in restore parameters.
 *
 * Documented rule: 1 to 63 characters, ASCII letters, digits, hyphens and underscores, starting with a
 * letter or digit. GUIDs fit. IDs are case-sensitive and never case-folded: an instance ID becomes part
 * of an RDS identifier `<prefix>-<id>`, and RDS identifiers are not case-sensitive, so an ID that is
 * not plain lowercase is given a hashed identifier instead (see naming/), never a lowercased one that
 * another ID could share. For instance IDs `<prefix>-<id>` must also stay within the 63 characters
 * RDS allows, so an ID always has a readable identifier when it is a lowercase GUID.
 */
export const ID_MAX_LENGTH = 63;
export const ID_PATTERN_SOURCE = '^[A-Za-z0-9][A-Za-z0-9_-]*$';
const idPattern = new RegExp(ID_PATTERN_SOURCE);

/** RDS DB instance identifiers hold at most 63 characters. */
export const RDS_IDENTIFIER_MAX_LENGTH = 63;

export const ID_RULE = `1-${ID_MAX_LENGTH} characters: letters, digits, '-' and '_', starting with a letter or digit`;

/** Why `id` is not acceptable as a path ID, or undefined when it is. Pure. */
export function idProblem(kind: 'instance_id' | 'binding_id', id: string): string | undefined {
  if (id.length === 0) return `${kind} must not be empty`;
  if (id.length > ID_MAX_LENGTH || !idPattern.test(id)) return `${kind} must be ${ID_RULE}`;
  return undefined;
}

/** Like idProblem, and for an instance ID also checks that `<prefix>-<id>` fits an RDS identifier. */
export function instanceIdProblem(identifierPrefix: string, id: string): string | undefined {
  const basic = idProblem('instance_id', id);
  if (basic) return basic;
  const room = RDS_IDENTIFIER_MAX_LENGTH - identifierPrefix.length - 1;
  if (id.length > room) return `instance_id must be at most ${room} characters with this broker's identifier prefix`;
  return undefined;
}
