// crypto
export { parsePublicKey, tryParsePublicKey, PARSED_KEY_CACHE_MAX } from './crypto/parsed-key';
export type { ParsedPublicKey } from './crypto/parsed-key';
export { createKeyPair, generateKeyPair, loadOrCreateKeyPair, publicPemFromPrivate, normalizePublicPem, isAcceptablePublicKey, fingerprint, fingerprintsEqual } from './crypto/keys';
export type { KeyPair, KeyPairFiles, GenerateKeyOptions } from './crypto/keys';
export { sign, verify, rsaEncrypt, rsaDecrypt } from './crypto/rsa';
export type { PrivateKeyInput, PublicKeyInput } from './crypto/rsa';
export { aeadSeal, aeadOpen, newAeadKey, AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, AEAD_OVERHEAD } from './crypto/aead';
export { randomId, hmac, safeEqual, sha256 } from './crypto/random';
export { transcript } from './crypto/transcript';
export type { TranscriptPart } from './crypto/transcript';
// limits
export {
  PROTOCOL_VERSION,
  DEFAULT_PUBLISH_PORT,
  DEFAULT_REQUEST_PORT,
  DEFAULT_MAX_MESSAGE_BYTES,
  FILE_CHUNK_BYTES,
  MAX_FRAMES,
  REQUEST_FRESHNESS_MS,
  AUTH_FRESHNESS_MS,
  PUBLICATION_MAX_AGE_MS,
  PUBLICATION_MAX_FUTURE_MS,
  SEQ_WINDOW,
  REPLAY_CACHE_SIZE,
  PUB_KEYS_KEPT,
  PING_HINT_MAX_S,
  REKEY_CHUNK,
  MINION_ID_RE,
  MAX_MINION_ID,
  isValidMinionId,
} from './limits';
// validation and messages
export { str, int, num, bool, bytes, literal, json, dict, arr, oneOf, optional, obj, tagged, describe } from './validate';
export type { Schema, Infer, OptionalSchema, ObjectOf } from './validate';
export {
  wireSchemas,
  wireMessageSchema,
  requestBodySchemas,
  requestBodySchema,
  replyBodySchema,
  jobPublicationSchema,
  authStatuses,
  minionId,
  SALTENV_NAME,
} from './messages';
export type {
  AuthStatus,
  AuthRequest,
  AuthReply,
  RequestEnvelope,
  ReplyEnvelope,
  ErrorReply,
  PublicationMessage,
  RekeyMessage,
  AcceptNotice,
  WireMessage,
  WireKind,
  RequestBody,
  RequestKind,
  RequestOf,
  ReplyBody,
  ReplyCode,
  JobPublication,
} from './messages';
export { encode, decode, decodeExpecting, framesSize, packJson, unpackJson } from './codec';
export type { DecodeOptions } from './codec';
// replay defences
export { ReplayCache, SeqWindow } from './replay';
// auth handshake
export { createAuthRequest, verifyAuthRequest, buildAuthReply, openAuthReply, checkMasterPin, readPinnedMaster, pinMasterKey, PINNED_MASTER_FILE } from './auth';
export type { MinionKeys, VerifiedAuth, VerifyAuthOptions, AcceptedKeys, AuthOutcome, OpenAuthReplyOptions, AuthReplyExtras } from './auth';
// authenticated requests
export { SessionError, RemoteError, sealRequest, openRequest, sealReply, openReply, requestAad, replyAad, newSessionState, ClientSession, SessionTable } from './session';
export type { SessionFailure, SessionState, OpenRequestOptions, OpenedRequest } from './session';
// publications
export { PublicationError, PublicationKeys, PublicationKeyring, PublicationReceiver, sealPublication, buildRekey, openRekey, publicationAad } from './publication';
export type { PublicationFailure, EpochKey, JobInput, PublicationCheckOptions, Recipient } from './publication';
// transport
export { acceptNoticeDelay, buildAcceptNotices, openAcceptNotice, NOTICE_IDS } from './accept-notice';

export { MasterTransport } from './transport/master';
export type { MasterTransportOptions, RequestHandler } from './transport/master';
export { MinionTransport, RequestError } from './transport/minion';
export type { MinionTransportOptions, PublishHandler } from './transport/minion';
export { tcpEndpoint, isIpv6Host, endpointPort, BROADCAST_TOPIC, minionTopic, topicMinion } from './transport/endpoints';
export { SendQueue } from './transport/send-queue';
// the operator's control channel (CLI <-> master)
export { controlOps, CONTROL_OPS, controlRequestFrame, controlReplyFrame, isControlOp, checkControlRequest, checkControlEvent, checkControlReply } from './control/messages';
export type { ControlOp, ControlRequestOf, ControlEventOf, ReplyOf, ControlErrorCode, ControlRequestFrame, ControlReplyFrame } from './control/messages';
export { ControlServer, ControlClient, MasterUnavailable, MasterLost, controlPaths } from './control/transport';
export type { ControlSink, ControlHandler, ControlHandlers, RequestOptions } from './control/transport';
