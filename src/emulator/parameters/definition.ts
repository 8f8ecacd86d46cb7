/** One parameter of a parameter-group family, as DescribeDBParameters shows it. */
export interface ParameterDefinition {
  name: string;
  description: string;
  applyType: 'static' | 'dynamic';
  dataType: 'boolean' | 'integer' | 'float' | 'string' | 'list';
  allowedValues?: string;
  /** undefined: no default value (RDS omits ParameterValue). */
  defaultValue?: string;
  /** 'system' for values RDS sets or computes (formulas), 'engine-default' for the engine's own. */
  source: 'engine-default' | 'system';
  /** False for values RDS owns (paths, ports, TLS files): ModifyDBParameterGroup refuses them. */
  isModifiable: boolean;
  /** The default is passed to the database layer (values it acts on), not just shown. */
  forServer: boolean;
}
