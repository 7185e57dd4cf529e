"""A small SMTP server for tests (RFC 5321's commands, enough for smtplib): it refuses with 451 while
``refusing`` is set, then accepts and keeps each mail it is given."""

import socketserver
import threading


class SmtpServer:
    def __init__(self):
        self.refusing = True
        self.received: list[dict] = []
        self.attempts = 0
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                server.attempts += 1
                self.reply("220 stand-in ESMTP")
                mail = {"from": "", "to": [], "data": ""}
                while True:
                    line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 stand-in")
                    elif verb == "MAIL":
                        if server.refusing:
                            self.reply("451 4.3.0 Temporary local problem, try again later")
                        else:
                            mail["from"] = line
                            self.reply("250 OK")
                    elif verb == "RCPT":
                        mail["to"].append(line.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            data = self.rfile.readline().decode(errors="replace")
                            if data in (".\r\n", ".\n", ""):
                                break
                            lines.append(data)
                        mail["data"] = "".join(lines)
                        server.received.append(dict(mail))
                        self.reply("250 OK queued")
                    elif verb == "RSET":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def parsed(mail: dict):
    """The received mail as an email.message.Message (headers decoded, body as text)."""
    from email import message_from_string, policy

    return message_from_string(mail["data"], policy=policy.default)
