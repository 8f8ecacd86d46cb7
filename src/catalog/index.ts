export {
  buildCatalog,
  deriveMaintenanceInfo,
  DEFAULT_MAXIMUM_POLLING_DURATION_SECONDS,
  findPlan,
  findService,
  planBindable,
  planMaintenanceInfo,
  planUpdateable,
  type CatalogBody,
  type MaintenanceInfo,
  type PlanMatch,
} from './catalog.js';
export { acceptedParameters, parametersSchema, JSON_SCHEMA_DRAFT_04, type JsonSchema, type ParameterKind } from './parameters.js';
export { precompileParameterValidators, validateParameters } from './validate.js';
