import type { ObservedInstance } from '../reconcile/observed.js';

/**
 * Reads an instance together with the members of its group (its read replicas) in one describe.
 * Which members a read needs is known only from the instance itself (its tags, the replicas RDS
 * lists on it), so the reader remembers, per instance, the members the last read needed and asks
 * for them in the same batch as the instance: while replica work goes on, every poll is one
 * DescribeDBInstances. Only a read that finds it needs members it did not ask for (the first poll
 * after a restart, a new replica) makes a second read. The memory is a hint for batching, never
 * state: a wrong or missing entry costs one more read, not a wrong answer.
 */
export class GroupReader {
  private readonly hints = new Map<string, string[]>();

  constructor(
    /** Describes the identifiers in one read (lowercase keys; absent ones missing from the map). */
    private readonly describeMany: (identifiers: string[]) => Promise<Map<string, ObservedInstance>>,
    private readonly maxHints = 10_000,
  ) {}

  async read(identifier: string, membersOf: (primary: ObservedInstance) => string[]): Promise<ObservedInstance | undefined> {
    const key = identifier.toLowerCase();
    const hinted = this.hints.get(key) ?? [];
    const found = await this.describeMany([key, ...hinted]);
    const primary = found.get(key);
    if (!primary) {
      this.hints.delete(key);
      return undefined;
    }
    const members = membersOf(primary).map((id) => id.toLowerCase());
    if (members.length === 0) {
      this.hints.delete(key);
      return primary;
    }
    const unread = members.filter((id) => !hinted.includes(id));
    if (unread.length > 0) for (const [id, member] of await this.describeMany(unread)) found.set(id, member);
    this.remember(key, members);
    return { ...primary, replicas: members.map((id) => found.get(id)).filter((m): m is ObservedInstance => m !== undefined) };
  }

  /** What the next read of `identifier` should also ask for (a caller that knows it ahead: a provision). */
  remember(identifier: string, members: string[]): void {
    const key = identifier.toLowerCase();
    this.hints.delete(key);
    if (this.hints.size >= this.maxHints) {
      // The oldest entry goes: a hint costs a read when missing, never more.
      const oldest = this.hints.keys().next().value;
      if (oldest !== undefined) this.hints.delete(oldest);
    }
    this.hints.set(
      key,
      members.map((id) => id.toLowerCase()),
    );
  }
}
