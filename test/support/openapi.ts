import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { HttpResponse } from './http.js';

/**
 * Validates broker answers against the OSB OpenAPI document that sits beside the repository
 * (../shared/osb/openapi.yaml). `available` is false in a clone without it; callers say so and skip.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const openapiPath = join(repoRoot, '..', 'shared', 'osb', 'openapi.yaml');
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv) => Ajv;

export type Method = 'get' | 'put' | 'patch' | 'delete';

export class OpenApiValidator {
  readonly available = existsSync(openapiPath);
  private doc: any;
  private ajv: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  private load(): void {
    if (this.ajv) return;
    this.doc = parseYaml(readFileSync(openapiPath, 'utf8'));
    // OpenAPI 3.0 schemas carry keywords plain JSON Schema does not know: not strict.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, 'osb');
  }

  /** Problems of one answer to `method specPath` (e.g. '/v2/service_instances/{instance_id}'), or [] when it conforms. */
  problems(response: HttpResponse, specPath: string, method: Method): string[] {
    this.load();
    const documented = this.doc.paths[specPath]?.[method]?.responses?.[String(response.status)]?.content?.['application/json']?.schema;
    if (!documented && response.status < 400)
      return [`${method.toUpperCase()} ${specPath} answered ${response.status}, which the document does not list`];
    const schema = documented ?? { $ref: '#/components/schemas/Error' };
    const key = schema.$ref ? `osb${schema.$ref}` : JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = schema.$ref ? this.ajv!.getSchema(key)! : this.ajv!.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate(response.json)
      ? []
      : [`${method.toUpperCase()} ${specPath} → ${response.status}: ${this.ajv!.errorsText(validate.errors)}`];
  }
}
