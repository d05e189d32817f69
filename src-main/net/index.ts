/**
 * The network lab: TCP, UDP and HTTP servers in seven concurrency models, the client operations of
 * the socket lessons, framing, file transfer, and a multi-threaded load generator. Everything binds
 * and connects to loopback only; everything that starts something can stop it.
 */
export {
  HANDLERS_BY_PROTOCOL,
  HANDLER_KINDS,
  MODELS_BY_PROTOCOL,
  PROTOCOLS,
  SERVER_DEFAULTS,
  SERVER_MODELS,
  ServerConfigError,
  handlerSchema,
  resolveServerConfig,
  serverConfigSchema,
  type HandlerKind,
  type HandlerSpec,
  type IvrLanguage,
  type Protocol,
  type ResolvedServerConfig,
  type ServerConfig,
  type ServerModel,
} from './config';
export { NetError, type NetErrorCode, type ErrorData, errorData, errorFromData } from './errors';
export { LOOPBACK_HOSTS, type LoopbackHost, type Endpoint } from './loopback';
export { ACK, FRAMING_KINDS, FrameDecoder, encodeFrame, type Framing, type FramingKind } from './framing';
export { IVR_TEXT, IvrDialogue, type IvrState, type IvrTurn } from './ivr';
export { startServer, DEFAULT_GRACE_MS, type RunningServer, type ServerExitReason, type ServerStopResult, type StartServerOptions, type StopOptions } from './server';
export { startServerProcess, startBareEchoProcess, type ProcessServer } from './server-process';
export type { ServerEvent, ServerEventListener } from './server-events';
export type { ServerMetrics, CpuParts } from './server-metrics';
export type { CpuTime } from './cpu-time';
export type { BoundAddress } from './tcp-listener';
export {
  Connection,
  connectTcp,
  type ClientEvent,
  type ClientEventListener,
  type ConnectOptions,
  type ConnectionCloseReason,
  type ReceiveOptions,
  type SendAllResult,
  type SendResult,
} from './connection';
export { UdpClient, type Datagram } from './udp-client';
export { httpGet, type HttpGetResult } from './http-client';
export { generateFile, sendFile, type GeneratedFile, type SendFileOptions, type SendFileResult, type TransferProgress } from './file-transfer';
export { runStickyDemo, STICKY_MODES, type StickyMode, type StickyResult } from './sticky-demo';
export { startLoad, runLoad, type LoadExitReason, type LoadOptions, type LoadProgress, type LoadReport, type LoadRun, type LatencySummary } from './load/load-generator';
export { resolveLoadConfig, loadConfigSchema, LoadConfigError, type LoadConfig, type LoadMode, type LoadProtocol, type ResolvedLoadConfig } from './load/load-config';
export { checkDescriptorBudget, readDescriptorLimit, type DescriptorCheck, type DescriptorLimit } from './load/descriptors';
export type { ConnectFailureKind, RequestErrorKind } from './load/load-protocol';
