/**
 * CloudTrail records and log-file names, as AWS writes them: field order, `userIdentity` shapes
 * (assumed role, IAM user with an access key or a console session, root, AWS service), data and
 * management events, denied calls, and the S3 layout
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`.
 */
import type { OperationContext, OperationSpec } from './operations.js';
import type { Random } from './random.js';

/** Who made a call. */
export type Caller =
  | {
      kind: 'role';
      account: string;
      roleName: string;
      roleArn: string;
      roleId: string;
      sessionName: string;
      accessKeyId: string;
      sessionCreated: Date;
      /** The AWS service acting with the role (service-linked roles). */
      invokedBy?: string;
    }
  | {
      kind: 'user';
      account: string;
      userName: string;
      userArn: string;
      userId: string;
      /** `AKIA...` for an access key, `ASIA...` for a console session. */
      accessKeyId: string;
      /** A console session (MFA as the user has it). */
      console?: { created: Date; mfa: boolean };
    }
  | { kind: 'root'; account: string; accessKeyId: string; sessionCreated: Date }
  | { kind: 'service'; invokedBy: string };

/** Time as CloudTrail writes it: seconds, `Z`. */
export function trailTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function identity(caller: Caller, opName: string): Record<string, unknown> {
  switch (caller.kind) {
    case 'role': {
      const out: Record<string, unknown> = {
        type: 'AssumedRole',
        principalId: `${caller.roleId}:${caller.sessionName}`,
        arn: `arn:aws:sts::${caller.account}:assumed-role/${caller.roleName}/${caller.sessionName}`,
        accountId: caller.account,
        accessKeyId: caller.accessKeyId,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: caller.roleId,
            arn: caller.roleArn,
            accountId: caller.account,
            userName: caller.roleName,
          },
          webIdFederationData: {},
          attributes: { creationDate: trailTime(caller.sessionCreated), mfaAuthenticated: 'false' },
        },
      };
      if (caller.invokedBy !== undefined) out.invokedBy = caller.invokedBy;
      return out;
    }
    case 'user': {
      const out: Record<string, unknown> = {
        type: 'IAMUser',
        principalId: caller.userId,
        arn: caller.userArn,
        accountId: caller.account,
      };
      // A sign-in has no credentials yet.
      if (opName !== 'ConsoleLogin') out.accessKeyId = caller.accessKeyId;
      out.userName = caller.userName;
      if (caller.console && opName !== 'ConsoleLogin') {
        out.sessionContext = {
          sessionIssuer: {},
          webIdFederationData: {},
          attributes: {
            creationDate: trailTime(caller.console.created),
            mfaAuthenticated: String(caller.console.mfa),
          },
        };
      }
      return out;
    }
    case 'root': {
      const out: Record<string, unknown> = {
        type: 'Root',
        principalId: caller.account,
        arn: `arn:aws:iam::${caller.account}:root`,
        accountId: caller.account,
      };
      if (opName !== 'ConsoleLogin') {
        out.accessKeyId = caller.accessKeyId;
        out.sessionContext = {
          sessionIssuer: {},
          webIdFederationData: {},
          attributes: { creationDate: trailTime(caller.sessionCreated), mfaAuthenticated: 'true' },
        };
      }
      return out;
    }
    case 'service':
      return { type: 'AWSService', invokedBy: caller.invokedBy };
  }
}

/** The ARN CloudTrail's "not authorized" messages name for a caller. */
function callerArn(caller: Caller): string {
  switch (caller.kind) {
    case 'role':
      return `arn:aws:sts::${caller.account}:assumed-role/${caller.roleName}/${caller.sessionName}`;
    case 'user':
      return caller.userArn;
    case 'root':
      return `arn:aws:iam::${caller.account}:root`;
    case 'service':
      return caller.invokedBy;
  }
}

/** What one event needs besides the operation. */
export interface EventInput {
  op: OperationSpec;
  caller: Caller;
  ctx: OperationContext;
  sourceIPAddress: string;
  userAgent: string;
  /** The call was denied. */
  denied: boolean;
  /** Account the event is delivered to. */
  recipientAccountId: string;
}

const TLS = [
  { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256' },
  { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256' },
] as const;

function host(op: OperationSpec, region: string): string {
  const svc = op.eventSource.slice(0, op.eventSource.indexOf('.'));
  if (op.global && svc === 'iam') return 'iam.amazonaws.com';
  if (op.global && svc === 'signin') return 'signin.aws.amazon.com';
  if (op.global && svc === 'ce') return 'ce.us-east-1.amazonaws.com';
  return `${svc}.${region}.amazonaws.com`;
}

/** One CloudTrail record, its keys in the order CloudTrail writes them. */
export function buildRecord(e: EventInput): Record<string, unknown> {
  const { op, caller, ctx, denied } = e;
  const rng: Random = ctx.rng;
  const record: Record<string, unknown> = {
    eventVersion: op.eventType === 'AwsConsoleSignIn' ? '1.08' : op.data ? '1.10' : '1.09',
    userIdentity: identity(caller, op.eventName),
    eventTime: trailTime(ctx.time),
    eventSource: op.eventSource,
    eventName: op.eventName,
    awsRegion: ctx.region,
    sourceIPAddress: e.sourceIPAddress,
    userAgent: e.userAgent,
  };
  if (denied) {
    record.errorCode = op.deniedCode;
    record.errorMessage =
      op.eventSource === 's3.amazonaws.com'
        ? 'Access Denied'
        : `User: ${callerArn(caller)} is not authorized to perform: ${op.action ?? op.eventName} because no identity-based policy allows the ${op.action ?? op.eventName} action`;
  }
  record.requestParameters = op.request(ctx);
  record.responseElements = denied ? null : op.response(ctx);
  if (op.data && op.eventSource === 's3.amazonaws.com') {
    record.additionalEventData = {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: op.readOnly ? 0 : rng.between(2_000, 4_000_000),
      AuthenticationMethod: 'AuthHeader',
      'x-amz-id-2': rng.chars(
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
        76,
      ),
      bytesTransferredOut: op.readOnly ? rng.between(300, 2_000_000) : 0,
    };
  } else if (op.eventType === 'AwsConsoleSignIn') {
    const mfa = caller.kind === 'root' || (caller.kind === 'user' && caller.console?.mfa === true);
    record.additionalEventData = {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      MobileVersion: 'No',
      MFAUsed: mfa ? 'Yes' : 'No',
    };
  }
  record.requestID =
    op.eventSource === 's3.amazonaws.com' ? rng.chars('0123456789ABCDEF', 16) : rng.uuid();
  record.eventID = rng.uuid();
  record.readOnly = op.readOnly;
  const resources = op.resources(ctx);
  if (resources !== undefined) record.resources = resources;
  record.eventType = op.eventType;
  record.managementEvent = !op.data;
  record.recipientAccountId = e.recipientAccountId;
  if (caller.kind === 'service') record.sharedEventID = rng.uuid();
  record.eventCategory = op.data ? 'Data' : 'Management';
  if (caller.kind !== 'service' && !(caller.kind === 'role' && caller.invokedBy)) {
    const tls = rng.chance(0.8) ? TLS[0] : TLS[1];
    record.tlsDetails = { ...tls, clientProvidedHostHeader: host(op, ctx.region) };
  }
  if ((caller.kind === 'user' && caller.console) || caller.kind === 'root') {
    if (op.eventType !== 'AwsConsoleSignIn') record.sessionCredentialFromConsole = 'true';
  }
  return record;
}

/**
 * The key of a log file in the S3 layout CloudTrail writes:
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 chars>.json.gz`.
 */
export function logFileKey(account: string, region: string, delivered: Date, id: string): string {
  const iso = delivered.toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${account}/CloudTrail/${region}/${y}/${m}/${d}/${account}_CloudTrail_${region}_${stamp}_${id}.json.gz`;
}
