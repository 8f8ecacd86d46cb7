/**
 * RDS errors as the Query protocol carries them: a code, an HTTP status and a message. The codes
 * and statuses are the ones the AWS SDK's RDS model declares (its `awsQueryError` traits), so the
 * SDK raises the same exception classes it would against AWS.
 */
export class RdsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    /** `Sender` for the caller's mistakes, `Receiver` for the service's own failures. */
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export const missingParameter = (name: string) => new RdsError('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidValue = (message: string) => new RdsError('InvalidParameterValue', message);

export const invalidCombination = (message: string) => new RdsError('InvalidParameterCombination', message);

export const instanceNotFound = (id: string) => new RdsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);

export const instanceAlreadyExists = () => new RdsError('DBInstanceAlreadyExists', 'DB instance already exists');

export const invalidInstanceState = (message: string) => new RdsError('InvalidDBInstanceState', message);

export const snapshotNotFound = (id: string) => new RdsError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404);

export const snapshotAlreadyExists = (id: string) =>
  new RdsError('DBSnapshotAlreadyExists', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);

export const invalidSnapshotState = (message: string) => new RdsError('InvalidDBSnapshotState', message);

export const certificateNotFound = (id: string) => new RdsError('CertificateNotFound', `Certificate ${id} not found.`, 404);

export const parameterGroupNotFound = (name: string) =>
  new RdsError('DBParameterGroupNotFound', `DBParameterGroup not found: ${name}`, 404);

export const subnetGroupNotFound = (name: string) =>
  new RdsError('DBSubnetGroupNotFoundFault', `DB subnet group '${name}' does not exist.`, 404);

export const automatedBackupNotFound = (what: string) =>
  new RdsError('DBInstanceAutomatedBackupNotFound', `No automated backup found for ${what}.`, 404);

export const throttling = () => new RdsError('Throttling', 'Rate exceeded', 400);

export const internalFailure = () =>
  new RdsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);

export const clusterNotFound = (id: string) => new RdsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);

export const clusterAlreadyExists = () => new RdsError('DBClusterAlreadyExistsFault', 'DB Cluster already exists');

export const invalidClusterState = (message: string) => new RdsError('InvalidDBClusterStateFault', message);

export const clusterSnapshotNotFound = (id: string) =>
  new RdsError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`, 404);

export const clusterSnapshotAlreadyExists = (id: string) =>
  new RdsError(
    'DBClusterSnapshotAlreadyExistsFault',
    `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
  );

export const invalidClusterSnapshotState = (message: string) => new RdsError('InvalidDBClusterSnapshotStateFault', message);

export const clusterParameterGroupNotFound = (name: string) =>
  new RdsError('DBClusterParameterGroupNotFound', `DBClusterParameterGroup not found: ${name}`, 404);
