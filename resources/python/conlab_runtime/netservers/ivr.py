"""The 10086 service line (the same dialogue and text as src-main/net/ivr.ts): the menu greets; "0"
connects to an agent (from then on the agent answers); anything else in the menu asks to try again;
"exit" ends the call from any state."""

TEXT = {
    "en": {
        "welcome": "Welcome to the 10086 service line. Enter 0 to speak with an agent, or exit to hang up.",
        "connecting": "Connecting you to an agent, please hold.",
        "agentHello": "Agent: Hello, this is the 10086 service desk. How can I help you?",
        "retry": "Sorry, that is not on the menu. Please try again: enter 0 for an agent, or exit to hang up.",
        "goodbye": "Thank you for calling 10086. Goodbye.",
        "agentNoted": 'Agent: I have noted "{}". Anything else? (exit to hang up)',
    },
    "zh": {
        "welcome": "您好，欢迎致电 10086 服务热线。人工服务请输入 0，结束通话请输入 exit。",
        "connecting": "正在为您转接人工客服，请稍候。",
        "agentHello": "客服：您好，这里是 10086 服务台，请问有什么可以帮您？",
        "retry": "抱歉，菜单中没有这一项，请重新输入：人工服务请输入 0，结束通话请输入 exit。",
        "goodbye": "感谢您致电 10086，再见！",
        "agentNoted": "客服：已记下您的问题“{}”。还有其他需要吗？（输入 exit 结束通话）",
    },
}


class IvrDialogue:
    def __init__(self, language="zh"):
        self.state = "menu"
        self.text = TEXT[language if language in TEXT else "zh"]

    def greeting(self):
        return [self.text["welcome"]]

    def answer(self, raw_line):
        """Returns (replies, hang_up)."""
        line = raw_line.strip()
        if self.state == "ended":
            return [], True
        if line.lower() == "exit":
            self.state = "ended"
            return [self.text["goodbye"]], True
        if self.state == "agent":
            return [self.text["agentNoted"].format(line)], False
        if line == "0":
            self.state = "agent"
            return [self.text["connecting"], self.text["agentHello"]], False
        return [self.text["retry"]], False
