// Public face of the sans-IO TLS decoder: bytes and key-log lines in, typed events out.
// No I/O anywhere below this folder (no net, tls, http, stream or fs).
export { TlsDecoder, type BulkCount, type DecoderOptions, type DecoderState, type TlsEvent, type TlsEventType } from './decoder';
export { parseClientHello, type ClientHelloProbe } from './client-hello-probe';
export { decodeLeg } from './decode-leg';
export { DECODE_ERRORS, type DecodeErrorCode } from '../errors';
export { HRR_RANDOM } from './messages/hello';
export {
  alertDescriptionName, contentTypeName, extensionName, groupName, handshakeTypeName, isGrease16, show, sigSchemeName,
  suiteKeyExchange, suiteName, versionName,
} from './names/lookup';
