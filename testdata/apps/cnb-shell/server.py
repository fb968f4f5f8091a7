# A web process for the test's shell CNB buildpack: it reports what the image gave it.
import http.server
import os
import shutil


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open("VERSION") as f:
            version = f.read().strip()
        body = "version=%s greeting=%s buildonly=%s tool=%s cwd=%s tool_home=%s\n" % (
            version,
            os.environ.get("GREETING", ""),
            "present" if os.path.exists("/layers/test_shell/buildonly") else "absent",
            shutil.which("say-hi") or "none",
            os.getcwd(),
            os.environ.get("TOOL_HOME", ""),
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()
