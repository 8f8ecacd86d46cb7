/**
 * RDS's parameter formulas ("Working with DB parameter formulas", RDS User Guide): a value such as
 * `LEAST({DBInstanceClassMemory/9531392},5000)` or `{DBInstanceClassMemory*3/4}` is evaluated for
 * the instance it applies to. Variables: DBInstanceClassMemory (bytes), DBInstanceVCPU,
 * AllocatedStorage (bytes), EndPointPort; inside braces only * and /; functions GREATEST, LEAST,
 * SUM and log. Pure functions only.
 */

export interface FormulaVariables {
  DBInstanceClassMemory: number;
  DBInstanceVCPU: number;
  AllocatedStorage: number;
  EndPointPort: number;
}

export class FormulaError extends Error {}

/** Whether RDS would read `value` as a formula rather than a literal. */
export function looksLikeFormula(value: string): boolean {
  return /[{}]/.test(value) || /^\s*(GREATEST|LEAST|SUM|log)\s*\(/i.test(value) || /DBInstance|AllocatedStorage|EndPointPort/.test(value);
}

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'var'; name: keyof FormulaVariables }
  | { kind: 'op'; op: '*' | '/'; left: Node; right: Node }
  | { kind: 'call'; fn: string; args: Node[] };

const VARIABLES = new Set(['DBInstanceClassMemory', 'DBInstanceVCPU', 'AllocatedStorage', 'EndPointPort']);
const FUNCTIONS = new Set(['GREATEST', 'LEAST', 'SUM', 'LOG']);

/**
 * expr := unary (('*' | '/') unary)*
 * unary := '{' expr '}' | FUNCTION '(' expr (',' expr)* ')' | VARIABLE | NUMBER
 * Variables only inside braces, as RDS wants them: "DBInstanceClassMemory/9531392" alone is refused.
 */
class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.expression();
    this.skip();
    if (this.pos !== this.text.length) this.fail();
    return node;
  }

  private fail(): never {
    throw new FormulaError(`invalid parameter value: ${this.text}`);
  }

  private skip(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  private expect(c: string): void {
    if (this.peek() !== c) this.fail();
    this.pos++;
  }

  private expression(): Node {
    let node = this.unary();
    while (this.peek() === '*' || this.peek() === '/') {
      const op = this.text[this.pos++] as '*' | '/';
      node = { kind: 'op', op, left: node, right: this.unary() };
    }
    return node;
  }

  private unary(): Node {
    if (this.peek() === '{') {
      this.pos++;
      this.depth++;
      const inner = this.expression();
      this.depth--;
      this.expect('}');
      return inner;
    }
    const word = /^[A-Za-z]+/.exec(this.text.slice(this.pos))?.[0];
    if (word && FUNCTIONS.has(word.toUpperCase())) {
      this.pos += word.length;
      this.expect('(');
      const args = [this.expression()];
      while (this.peek() === ',') {
        this.pos++;
        args.push(this.expression());
      }
      this.expect(')');
      if (word.toUpperCase() === 'LOG' && args.length !== 1) this.fail();
      return { kind: 'call', fn: word.toUpperCase(), args };
    }
    if (word) {
      if (!VARIABLES.has(word) || this.depth === 0) this.fail();
      this.pos += word.length;
      return { kind: 'var', name: word as keyof FormulaVariables };
    }
    const digits = /^\d+(\.\d+)?/.exec(this.text.slice(this.pos))?.[0];
    if (!digits) this.fail();
    this.pos += digits.length;
    return { kind: 'number', value: Number(digits) };
  }
}

function evaluate(node: Node, vars: FormulaVariables): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'var':
      return vars[node.name];
    case 'op': {
      const left = evaluate(node.left, vars);
      const right = evaluate(node.right, vars);
      if (node.op === '*') return left * right;
      if (right === 0) throw new FormulaError('division by zero in a parameter formula');
      return left / right;
    }
    case 'call': {
      const values = node.args.map((a) => evaluate(a, vars));
      if (node.fn === 'GREATEST') return Math.max(...values);
      if (node.fn === 'LEAST') return Math.min(...values);
      if (node.fn === 'SUM') return values.reduce((a, b) => a + b, 0);
      return Math.log2(values[0]!);
    }
  }
}

/** Throws FormulaError (RDS's "invalid parameter value: …") when `value` is no formula RDS accepts. */
export function checkFormula(value: string): void {
  new Parser(value).parse();
}

/** The formula's value for an instance, rounded down to a whole number as RDS applies it. */
export function evaluateFormula(value: string, vars: FormulaVariables): number {
  return Math.floor(evaluate(new Parser(value).parse(), vars));
}

const GIB = 1024 ** 3;

/** Memory per vCPU by instance family letter (db.m*: 4 GiB per vCPU, db.r*: 8, db.x*: 16, …). */
const GIB_PER_VCPU: Record<string, number> = { m: 4, r: 8, x: 16, z: 8, c: 2 };
const BURSTABLE: Record<string, { vcpu: number; gib: number }> = {
  micro: { vcpu: 2, gib: 1 },
  small: { vcpu: 2, gib: 2 },
  medium: { vcpu: 2, gib: 4 },
  large: { vcpu: 2, gib: 8 },
  xlarge: { vcpu: 4, gib: 16 },
  '2xlarge': { vcpu: 8, gib: 32 },
};

/**
 * The memory and vCPUs of an instance class, from its name as RDS sizes its classes: db.t* by a
 * table, others by size (large = 2 vCPU, xlarge = 4, Nxlarge = 4N) times the family's memory per vCPU.
 */
export function classResources(instanceClass: string): { memoryBytes: number; vcpu: number } | undefined {
  const match = /^db\.([a-z])(\d+)[a-z-]*\.(micro|small|medium|large|xlarge|(\d+)xlarge)$/.exec(instanceClass);
  if (!match) return undefined;
  const [, letter, , size, multiple] = match;
  if (letter === 't') {
    const entry = BURSTABLE[size!];
    return entry ? { memoryBytes: entry.gib * GIB, vcpu: entry.vcpu } : undefined;
  }
  const perVcpu = GIB_PER_VCPU[letter!];
  if (!perVcpu) return undefined;
  const vcpu = size === 'large' ? 2 : size === 'xlarge' ? 4 : multiple ? 4 * Number(multiple) : undefined;
  if (!vcpu) return undefined;
  return { memoryBytes: vcpu * perVcpu * GIB, vcpu };
}
