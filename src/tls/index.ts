// Public face of the sans-IO TLS decoder: bytes and key-log lines in, typed events out.
// No I/O anywhere below this folder (no net, tls, http, stream or fs).
export { parseClientHello, type ClientHelloProbe } from './client-hello-probe';
export { DECODE_ERRORS, type DecodeErrorCode } from './errors';
export { isGrease16, suiteName, groupName, sigSchemeName, extensionName, versionName, alertDescriptionName } from './names/lookup';
