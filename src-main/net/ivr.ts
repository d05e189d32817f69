import type { IvrLanguage } from '../model/server-config';

/**
 * The 10086 service line: a stateful conversation, one line in, lines out. The menu greets; "0"
 * connects to a person (the state changes: from then on an agent answers); anything else in the menu
 * asks to try again; "exit" ends the call from any state. Pure: the server session and the tests
 * share it, so a transcript can be checked against the same text.
 */

export type IvrState = 'menu' | 'agent' | 'ended';

interface IvrText {
  readonly welcome: string;
  readonly connecting: string;
  readonly agentHello: string;
  readonly retry: string;
  readonly goodbye: string;
  agentNoted(what: string): string;
}

export const IVR_TEXT: Readonly<Record<IvrLanguage, IvrText>> = {
  en: {
    welcome: 'Welcome to the 10086 service line. Enter 0 to speak with an agent, or exit to hang up.',
    connecting: 'Connecting you to an agent, please hold.',
    agentHello: 'Agent: Hello, this is the 10086 service desk. How can I help you?',
    retry: 'Sorry, that is not on the menu. Please try again: enter 0 for an agent, or exit to hang up.',
    goodbye: 'Thank you for calling 10086. Goodbye.',
    agentNoted: (what) => `Agent: I have noted "${what}". Anything else? (exit to hang up)`,
  },
  zh: {
    welcome: '您好，欢迎致电 10086 服务热线。人工服务请输入 0，结束通话请输入 exit。',
    connecting: '正在为您转接人工客服，请稍候。',
    agentHello: '客服：您好，这里是 10086 服务台，请问有什么可以帮您？',
    retry: '抱歉，菜单中没有这一项，请重新输入：人工服务请输入 0，结束通话请输入 exit。',
    goodbye: '感谢您致电 10086，再见！',
    agentNoted: (what) => `客服：已记下您的问题“${what}”。还有其他需要吗？（输入 exit 结束通话）`,
  },
};

export interface IvrTurn {
  readonly replies: readonly string[];
  readonly hangUp: boolean;
}

export class IvrDialogue {
  private current: IvrState = 'menu';
  private readonly text: IvrText;

  constructor(readonly language: IvrLanguage = 'zh') {
    this.text = IVR_TEXT[language];
  }

  get state(): IvrState {
    return this.current;
  }

  greeting(): readonly string[] {
    return [this.text.welcome];
  }

  answer(rawLine: string): IvrTurn {
    const line = rawLine.trim();
    if (this.current === 'ended') return { replies: [], hangUp: true };
    if (line.toLowerCase() === 'exit') {
      this.current = 'ended';
      return { replies: [this.text.goodbye], hangUp: true };
    }
    if (this.current === 'agent') return { replies: [this.text.agentNoted(line)], hangUp: false };
    if (line === '0') {
      this.current = 'agent';
      return { replies: [this.text.connecting, this.text.agentHello], hangUp: false };
    }
    return { replies: [this.text.retry], hangUp: false };
  }
}
