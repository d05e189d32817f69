import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CHANNELS, requestMessageSchema, type ResponseMessage, type ServerMessage } from '../contract/messages';
import { createContractHandlers, dispatchRequest } from '../serve/contract-handlers';
import { RunHub, type LiveSubscriber } from '../serve/run-hub';
import type { LabService } from '../service/lab-service';
import { isTrustedSender } from './security-policy';

/**
 * The contract over IPC: one invoke channel for requests, one event channel for live run events.
 * Every request is checked twice here — the sender must be the main frame of our own UI, and the
 * message and its parameters must match the contract's schemas — before LabService sees it.
 */
export function registerContractIpc(service: LabService): { dispose(): void } {
  const hub = new RunHub(service);
  const handlers = createContractHandlers(service, hub, 'desktop');
  const subscribers = new WeakMap<WebContents, LiveSubscriber>();

  const subscriberFor = (contents: WebContents): LiveSubscriber => {
    let subscriber = subscribers.get(contents);
    if (!subscriber) {
      const created: LiveSubscriber = {
        send: (event) => {
          if (contents.isDestroyed()) throw new Error('window closed');
          contents.send(IPC_CHANNELS.event, { type: 'event', event } satisfies ServerMessage);
        },
      };
      subscriber = created;
      subscribers.set(contents, created);
      contents.once('destroyed', () => hub.drop(created));
    }
    return subscriber;
  };

  ipcMain.handle(IPC_CHANNELS.request, async (event: IpcMainInvokeEvent, message: unknown): Promise<ResponseMessage> => {
    const frame = event.senderFrame;
    const trusted = isTrustedSender(frame ? { url: frame.url, isMainFrame: frame === event.sender.mainFrame } : null);
    const envelope = requestMessageSchema.safeParse(message);
    const id = envelope.success ? envelope.data.id : 0;
    if (!trusted) {
      return { type: 'response', id, ok: false, error: { name: 'Forbidden', message: 'only the lab window may call the lab', code: 'bad-request' } };
    }
    if (!envelope.success) {
      return { type: 'response', id, ok: false, error: { name: 'BadRequest', message: 'a message must be {type: "request", id, method, params}', code: 'bad-request' } };
    }
    return dispatchRequest(handlers, envelope.data.id, envelope.data.method, envelope.data.params, { subscriber: subscriberFor(event.sender) });
  });

  return {
    dispose: () => ipcMain.removeHandler(IPC_CHANNELS.request),
  };
}
