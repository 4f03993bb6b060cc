// The CloudTrail trails of issue 14, generated for bench/ingest.mjs: ~1.2 KB per event,
// AssumedRole and IAMUser records in CloudTrail's own compact layout (`{"Records":[{"eventVersion":
// ...`, 5,000 records per gzip file, files in the S3 layout AWSLogs/<account>/CloudTrail/<region>/
// YYYY/MM/DD/), 5 % of the records with an errorCode, S3 object and Lambda data events among the
// management events. Two key distributions:
//
// - `ordinary`: the IAM users' calls use a few dozen long-term access keys (40 users, 1-2 keys);
// - `manykeys`: every IAM-user call (17.5 % of the records) uses its own long-term key, so 1 M
//   events hold ~175,000 distinct keys and 3 M ~525,000: the number of (principal, action, key)
//   groups grows with the events.
//
// Deterministic (seeded mulberry32); the 3 M trail is the 1 M trail plus 400 more files (hard
// links), so both sizes are generated at once. Hand-written (not recorded from AWS): the field
// names, order and value shapes are those of CloudTrail's record contents
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
//
//   node bench/trails.mjs [--dir=/tmp/iam-refine-trails] [--regenerate]
import { Buffer } from 'node:buffer';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { mulberry32 } from './lib.mjs';

/** Bump when the generated data changes. */
export const TRAILS_VERSION = 1;
export const EVENTS_PER_FILE = 5000;
/** Files per million events. */
export const FILES_PER_MILLION = 1_000_000 / EVENTS_PER_FILE;
export const DISTRIBUTIONS = ['ordinary', 'manykeys'];
export const SIZES = { '1M': 1_000_000, '3M': 3_000_000 };
const SEED = 20261204;
const ACCOUNT = '111122223333';
const REGIONS = ['us-east-1', 'eu-west-1'];

/** The default folder of the trails (in the OS temp folder, never in the repository). */
export const DEFAULT_TRAILS_DIR = join(os.tmpdir(), `iam-refine-trails-v${TRAILS_VERSION}`);

/**
 * Generates (or finds, cached) both trails at both sizes under `dir`: `<dir>/<distribution>/<size>/`
 * holds the AWSLogs tree. Returns the manifest (events, files, bytes per set).
 */
export function generateTrails(dir = DEFAULT_TRAILS_DIR, force = false, log = () => {}) {
  const manifestFile = join(dir, 'manifest.json');
  if (!force && existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (m.version === TRAILS_VERSION) return m;
  }
  rmSync(dir, { recursive: true, force: true });
  const manifest = { version: TRAILS_VERSION, seed: SEED, dir, sets: {} };
  const maxEvents = Math.max(...Object.values(SIZES));
  for (const distribution of DISTRIBUTIONS) {
    const t0 = performance.now();
    const rng = mulberry32(SEED + (distribution === 'manykeys' ? 1 : 0));
    const world = makeWorld(rng);
    const files = maxEvents / EVENTS_PER_FILE;
    const perSet = Object.fromEntries(
      Object.keys(SIZES).map((s) => [
        s,
        { events: 0, files: 0, bytes: 0, rawBytes: 0, keys: new Set() },
      ]),
    );
    const start = Date.UTC(2026, 9, 1); // 1 Oct 2026, 60 days of activity
    const step = (60 * 86_400_000) / maxEvents;
    let keySerial = 0;
    for (let f = 0; f < files; f++) {
      const region = REGIONS[f % REGIONS.length];
      const first = f * EVENTS_PER_FILE;
      const parts = [];
      const fileKeys = [];
      for (let i = 0; i < EVENTS_PER_FILE; i++) {
        const ms = start + Math.floor((first + i) * step);
        const r = makeRecord(rng, world, ms, region, distribution, () => keySerial++);
        parts.push(r.json);
        if (r.key !== undefined) fileKeys.push(r.key);
      }
      const json = `{"Records":[${parts.join(',')}]}`;
      const gz = gzipSync(json);
      const t = new Date(start + Math.floor(first * step));
      const ymd = t.toISOString().slice(0, 10).split('-');
      const stamp = t.toISOString().replace(/[-:]/g, '').slice(0, 13);
      const rel = join(
        'AWSLogs',
        ACCOUNT,
        'CloudTrail',
        region,
        ...ymd,
        `${ACCOUNT}_CloudTrail_${region}_${stamp}Z_${String(f).padStart(5, '0')}.json.gz`,
      );
      let firstPath;
      for (const [size, events] of Object.entries(SIZES)) {
        if (first >= events) continue;
        const path = join(dir, distribution, size, rel);
        mkdirSync(join(path, '..'), { recursive: true });
        if (firstPath === undefined) {
          writeFileSync(path, gz);
          firstPath = path;
        } else linkSync(firstPath, path);
        const s = perSet[size];
        s.events += EVENTS_PER_FILE;
        s.files++;
        s.bytes += gz.length;
        s.rawBytes += Buffer.byteLength(json);
        for (const k of fileKeys) s.keys.add(k);
      }
      if (f % 50 === 49) log(`${distribution}: ${f + 1}/${files} files`);
    }
    for (const [size, s] of Object.entries(perSet)) {
      manifest.sets[`${distribution}-${size}`] = {
        distribution,
        size,
        dir: join(dir, distribution, size),
        events: s.events,
        files: s.files,
        bytes: s.bytes,
        rawBytes: s.rawBytes,
        longTermKeys: s.keys.size,
      };
    }
    log(`${distribution}: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return manifest;
}

const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function hex(rng, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[Math.floor(rng() * 16)];
  return s;
}
function upper(rng, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += UPPER[Math.floor(rng() * 32)];
  return s;
}
/** A long-term key ID (`AKIA` + 16 characters) that is a function of `n` (distinct for each n). */
function keyId(n) {
  let s = '';
  let v = n * 2654435761 + 12345;
  for (let i = 0; i < 16; i++) {
    s += UPPER[v % 32];
    v = Math.floor(v / 32) + (i + 1) * 7919 * (n % 97);
  }
  return `AKIA${s.slice(0, 8)}${String(n)
    .padStart(8, '0')
    .replace(/\d/g, (d) => UPPER[Number(d)])}`;
}
const pick = (rng, list) => list[Math.floor(rng() * list.length)];

export function makeWorld(rng) {
  const paths = ['/', '/service-role/', '/app/orders/', '/app/billing/', '/platform/'];
  const roles = Array.from({ length: 250 }, (_, i) => {
    const name = `${pick(rng, ['Orders', 'Billing', 'Ingest', 'Reports', 'Deploy', 'Etl', 'Api'])}${pick(rng, ['Role', 'TaskRole', 'LambdaRole'])}${i}`;
    return {
      arn: `arn:aws:iam::${ACCOUNT}:role${pick(rng, paths)}${name}`,
      name,
      id: `AROA${upper(rng, 17)}`,
    };
  });
  const users = Array.from({ length: 40 }, (_, i) => {
    const name = `${pick(rng, ['alice', 'bob', 'carol', 'ci-bot', 'backup', 'etl'])}${i}`;
    return {
      arn: `arn:aws:iam::${ACCOUNT}:user/${pick(rng, ['', 'engineering/', 'ops/'])}${name}`,
      name,
      id: `AIDA${upper(rng, 17)}`,
      keys: Array.from({ length: 1 + (i % 2) }, () => `AKIA${upper(rng, 16)}`),
    };
  });
  const buckets = Array.from({ length: 30 }, (_, i) => `acme-${pick(rng, ['data', 'logs'])}-${i}`);
  const functions = Array.from({ length: 30 }, (_, i) => `acme-fn-${i}`);
  return { roles, users, buckets, functions };
}

// [cumulative weight, eventSource, eventName, data?]
const CALLS = cumulative([
  [22, 's3.amazonaws.com', 'GetObject', true],
  [9, 's3.amazonaws.com', 'PutObject', true],
  [3, 's3.amazonaws.com', 'DeleteObject', true],
  [3, 's3.amazonaws.com', 'HeadObject', true],
  [8, 'lambda.amazonaws.com', 'Invoke', true],
  [8, 'kms.amazonaws.com', 'Decrypt', false],
  [4, 'kms.amazonaws.com', 'GenerateDataKey', false],
  [5, 'sts.amazonaws.com', 'AssumeRole', false],
  [6, 'ec2.amazonaws.com', 'DescribeInstances', false],
  [3, 'ssm.amazonaws.com', 'GetParameter', false],
  [3, 'secretsmanager.amazonaws.com', 'GetSecretValue', false],
  [3, 'logs.amazonaws.com', 'CreateLogStream', false],
  [3, 'monitoring.amazonaws.com', 'PutMetricData', false],
  [2, 'lambda.amazonaws.com', 'GetFunction20150331v2', false],
  [2, 'iam.amazonaws.com', 'GetRole', false],
  [2, 's3.amazonaws.com', 'ListBuckets', false],
  [2, 'cloudformation.amazonaws.com', 'DescribeStacks', false],
  [1, 'dynamodb.amazonaws.com', 'DescribeTable', false],
]);
function cumulative(items) {
  const total = items.reduce((n, i) => n + i[0], 0);
  let acc = 0;
  return items.map(([w, ...rest]) => [(acc += w) / total, ...rest]);
}
const AGENTS = [
  'aws-sdk-java/2.25.16 Linux/5.10.219-208.866.amzn2.x86_64 Java/17.0.11',
  'Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux lang/python#3.12.3',
  'aws-cli/2.15.40 Python/3.11.8 Linux/6.5.0-1018-aws command/s3.cp',
  'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 api/kms#1.31.1',
];

/** One record as CloudTrail writes it (compact JSON, CloudTrail's key order), and its key. */
export function makeRecord(rng, world, ms, region, distribution, nextKey) {
  const time = new Date(ms).toISOString().slice(0, 19) + 'Z';
  const u = rng();
  let call;
  const x = rng();
  for (const c of CALLS) {
    if (x < c[0]) {
      call = c;
      break;
    }
  }
  call ??= CALLS[CALLS.length - 1];
  const [, eventSource, eventName, data] = call;
  let userIdentity;
  let key;
  if (u < 0.8) {
    const role = pick(rng, world.roles);
    const session = pick(rng, [
      'i-0a1b2c3d4e5f60718',
      'botocore-session-1790000000',
      'GitHubActions',
    ]);
    userIdentity = {
      type: 'AssumedRole',
      principalId: `${role.id}:${session}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${session}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIA${upper(rng, 16)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.id,
          arn: role.arn,
          accountId: ACCOUNT,
          userName: role.name,
        },
        attributes: {
          creationDate: new Date(ms - 900_000).toISOString().slice(0, 19) + 'Z',
          mfaAuthenticated: 'false',
        },
      },
    };
  } else {
    const user = pick(rng, world.users);
    if (u < 0.975) {
      key = distribution === 'manykeys' ? keyId(nextKey()) : pick(rng, user.keys);
    }
    userIdentity = {
      type: 'IAMUser',
      principalId: user.id,
      arn: user.arn,
      accountId: ACCOUNT,
      accessKeyId: key ?? `ASIA${upper(rng, 16)}`,
      userName: user.name,
    };
  }
  const bucket = pick(rng, world.buckets);
  const fn = pick(rng, world.functions);
  const objectKey = `in/${hex(rng, 8)}/${hex(rng, 16)}.parquet`;
  let requestParameters = null;
  if (eventSource === 's3.amazonaws.com' && data) {
    requestParameters = {
      bucketName: bucket,
      Host: `${bucket}.s3.${region}.amazonaws.com`,
      key: objectKey,
    };
  } else if (eventSource === 'lambda.amazonaws.com') {
    requestParameters = { functionName: `arn:aws:lambda:${region}:${ACCOUNT}:function:${fn}` };
  } else if (eventSource === 'kms.amazonaws.com') {
    requestParameters = {
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      keyId: `arn:aws:kms:${region}:${ACCOUNT}:key/${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`,
    };
  } else if (eventSource === 'sts.amazonaws.com') {
    requestParameters = {
      roleArn: pick(rng, world.roles).arn,
      roleSessionName: `s-${hex(rng, 8)}`,
      durationSeconds: 3600,
    };
  } else if (eventSource === 'ec2.amazonaws.com') {
    requestParameters = {
      instancesSet: { items: [{ instanceId: `i-${hex(rng, 17)}` }] },
      filterSet: {},
    };
  } else if (rng() < 0.5) {
    requestParameters = { name: `/acme/${hex(rng, 6)}`, maxResults: 100 };
  }
  const error = rng() < 0.05;
  const record = {
    eventVersion: data ? '1.10' : '1.09',
    userIdentity,
    eventTime: time,
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: `10.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}`,
    userAgent: pick(rng, AGENTS),
    ...(error
      ? {
          errorCode: pick(rng, [
            'AccessDenied',
            'ThrottlingException',
            'ResourceNotFoundException',
          ]),
          errorMessage: `User: ${userIdentity.arn} is not authorized to perform: ${eventSource.split('.')[0]}:${eventName} on resource: arn:aws:${eventSource.split('.')[0]}:${region}:${ACCOUNT}:${hex(rng, 8)} because no identity-based policy allows the action`,
        }
      : {}),
    requestParameters,
    responseElements: data || error ? null : { requestId: `${hex(rng, 8)}-${hex(rng, 4)}` },
    ...(data && eventSource === 's3.amazonaws.com'
      ? {
          additionalEventData: {
            SignatureVersion: 'SigV4',
            bytesTransferredIn: 0,
            AuthenticationMethod: 'AuthHeader',
            bytesTransferredOut: Math.floor(rng() * 1e6),
          },
        }
      : {}),
    requestID: upper(rng, 16),
    eventID: `${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`,
    readOnly: !/^(Put|Delete|Generate|Invoke)/.test(eventName),
    ...(data
      ? {
          resources:
            eventSource === 's3.amazonaws.com'
              ? [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${objectKey}` }]
              : [
                  {
                    accountId: ACCOUNT,
                    type: 'AWS::Lambda::Function',
                    ARN: `arn:aws:lambda:${region}:${ACCOUNT}:function:${fn}`,
                  },
                ],
        }
      : {}),
    eventType: 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: ACCOUNT,
    eventCategory: data ? 'Data' : 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${eventSource.replace('.amazonaws.com', '')}.${region}.amazonaws.com`,
    },
  };
  return { json: JSON.stringify(record), key };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const dir = argv.find((a) => a.startsWith('--dir='))?.slice(6) ?? DEFAULT_TRAILS_DIR;
  const m = generateTrails(dir, argv.includes('--regenerate'), (line) => console.error(line));
  console.log(JSON.stringify(m, null, 2));
}
