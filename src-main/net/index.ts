/**
 * The network lab: TCP, UDP and HTTP servers in seven concurrency models, the client operations of
 * the socket lessons, framing, file transfer, and a multi-threaded load generator. Everything binds
 * and connects to loopback only; everything that starts something can stop it. What a server is (its
 * configuration schema, protocols, models) is pure data in model/server-config.ts.
 */
export { NetError, type NetErrorCode, type ErrorData, errorData, errorFromData } from './errors';
export { type Endpoint } from './loopback';
export { ACK, FRAMING_KINDS, FrameDecoder, encodeFrame, type FramingKind } from './framing';
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
