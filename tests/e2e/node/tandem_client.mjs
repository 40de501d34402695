// A small Node.js client for Tandem's gRPC APIs, as an internal platform
// would write one: @grpc/grpc-js stubs from the .proto contracts loaded at run
// time by @grpc/proto-loader, a bearer token in per-call metadata (the
// channel is plaintext, so call credentials would not be sent), and a
// deadline on every call.
//
// Configuration comes from the environment that the e2e harness sets:
//   TANDEM_SUPPORT_ADDRESS, TANDEM_SUCCESS_ADDRESS, TANDEM_METRICS_ADDRESS
//   TANDEM_PROTO_PATH             the repository's protos/ folder
//   TANDEM_GOOGLEAPIS_PROTO_PATH  a folder holding google/rpc/*.proto
//   TANDEM_GRPC_PROTO_PATH        optional; holds grpc/health/v1/health.proto
//   NODE_PATH                     the node_modules folder with the packages

import { createRequire } from 'node:module';

// ES module imports ignore NODE_PATH; a CommonJS require honours it.
const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

export { grpc };

// Deadline of every call, in milliseconds.
export const CALL_TIMEOUT_MS = 10_000;

const PROTO_FILES = [
  'tandem/support/v1/support_service.proto',
  'tandem/support/v1/agent.proto',
  'tandem/support/v1/sla.proto',
  'tandem/support/v1/events.proto',
  'tandem/success/v1/success_service.proto',
  'tandem/success/v1/events.proto',
  'tandem/success/v1/revenue.proto',
  'tandem/success/v1/usage.proto',
  'tandem/success/v1/health.proto',
  'tandem/success/v1/engagement.proto',
  'tandem/success/v1/lifecycle.proto',
  'tandem/success/v1/playbook.proto',
  'tandem/metrics/v1/metrics_service.proto',
  'tandem/common/v1/event_feed.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
  'grpc/health/v1/health.proto',
];

// Returns the value of environment variable `name`, or throws naming every
// missing one of `names` at once.
export function requireEnv(...names) {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(`missing environment variables: ${missing.join(', ')}`);
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

// Loads every contract the tests use. Field names stay as in the .proto
// files (snake_case), enums are strings, 64-bit integers are decimal strings.
export function loadProtos() {
  const env = requireEnv('TANDEM_PROTO_PATH', 'TANDEM_GOOGLEAPIS_PROTO_PATH');
  const definition = protoLoader.loadSync(PROTO_FILES, {
    includeDirs: [
      env.TANDEM_PROTO_PATH,
      env.TANDEM_GOOGLEAPIS_PROTO_PATH,
      process.env.TANDEM_GRPC_PROTO_PATH || '/usr/share/grpc-proto',
      // google/protobuf/*.proto: proto-loader has them built in; Debian's
      // libprotobuf-dev also installs them here.
      '/usr/include',
    ],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return { definition, packages: grpc.loadPackageDefinition(definition) };
}

// Connects to the three servers. Returns the stubs, the message types (for
// decoding `Any` payloads and status details) and `close()`.
export function connect() {
  const env = requireEnv(
    'TANDEM_SUPPORT_ADDRESS', 'TANDEM_SUCCESS_ADDRESS', 'TANDEM_METRICS_ADDRESS');
  const { definition, packages } = loadProtos();
  const credentials = grpc.credentials.createInsecure();
  const addresses = {
    support: env.TANDEM_SUPPORT_ADDRESS,
    success: env.TANDEM_SUCCESS_ADDRESS,
    metrics: env.TANDEM_METRICS_ADDRESS,
  };
  const { tandem } = packages;
  const clients = {
    support: new tandem.support.v1.SupportService(addresses.support, credentials),
    agents: new tandem.support.v1.AgentService(addresses.support, credentials),
    sla: new tandem.support.v1.SlaService(addresses.support, credentials),
    success: new tandem.success.v1.SuccessService(addresses.success, credentials),
    revenue: new tandem.success.v1.RevenueService(addresses.success, credentials),
    usage: new tandem.success.v1.UsageService(addresses.success, credentials),
    accountHealth: new tandem.success.v1.HealthService(addresses.success, credentials),
    engagement: new tandem.success.v1.EngagementService(addresses.success, credentials),
    lifecycle: new tandem.success.v1.LifecycleService(addresses.success, credentials),
    playbooks: new tandem.success.v1.PlaybookService(addresses.success, credentials),
    successFeed: new tandem.common.v1.EventFeed(addresses.success, credentials),
    metrics: new tandem.metrics.v1.MetricsService(addresses.metrics, credentials),
    supportFeed: new tandem.common.v1.EventFeed(addresses.support, credentials),
  };
  const health = Object.fromEntries(Object.entries(addresses).map(
    ([service, address]) => [service, new packages.grpc.health.v1.Health(address, credentials)]));
  return {
    ...clients,
    health,
    addresses,
    // Returns the proto-loader definition of a message, e.g.
    // `type('google.rpc.Status').deserialize(bytes)`.
    type(fullName) {
      const found = definition[fullName];
      if (!found || typeof found.deserialize !== 'function') {
        throw new Error(`no message type ${fullName} in the loaded protos`);
      }
      return found;
    },
    close() {
      for (const client of [...Object.values(clients), ...Object.values(health)]) {
        client.close();
      }
    },
  };
}

// Calls unary method `method` of `client` with `request`, sending `token`
// (when given) as a bearer token. Resolves to the response; rejects with the
// grpc-js error, whose `code`, `details` and `metadata` (trailers) are set.
export function unary(client, method, request, token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  const options = { deadline: Date.now() + CALL_TIMEOUT_MS };
  return new Promise((resolve, reject) => {
    client[method](request, metadata, options, (error, response) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

// Awaits `promise`, which must fail with gRPC status `code`; returns the error.
export async function expectGrpcError(promise, code) {
  const expected = `expected gRPC status ${grpc.status[code]} (${code})`;
  let response;
  try {
    response = await promise;
  } catch (error) {
    if (error.code === code) return error;
    const got = error.code === undefined ? error.message :
      `${grpc.status[error.code]} (${error.code}): ${error.details}`;
    throw new Error(`${expected}, got ${got}`);
  }
  throw new Error(`${expected}, got a response: ${JSON.stringify(response)}`);
}

// Decodes the `grpc-status-details-bin` trailer of a failed call into a
// `google.rpc.Status`, unpacking each detail it knows (e.g. BadRequest) into
// `{type, message}`. Returns null when the trailer is absent.
export function statusDetails(tandem, error) {
  const [bytes] = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (!bytes) return null;
  const status = tandem.type('google.rpc.Status').deserialize(bytes);
  const details = status.details.map((any) => {
    const type = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    return { type, message: tandem.type(type).deserialize(any.value) };
  });
  return { code: status.code, message: status.message, details };
}
