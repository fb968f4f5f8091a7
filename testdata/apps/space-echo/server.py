"""Answers every GET with the name of the dyno that served it ($DYNO), on $PORT."""
import http.server
import os
import socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (os.environ.get("DYNO", "?") + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    with Server(("", port), Handler) as srv:
        print(f"listening on {port}", flush=True)
        srv.serve_forever()
