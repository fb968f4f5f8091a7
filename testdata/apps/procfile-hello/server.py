"""Answers every GET and POST with "hello from procfile"."""
import http.server
import os
import socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from procfile\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()


class Server(socketserver.ThreadingTCPServer):
    # TCPServer, not HTTPServer: HTTPServer.server_bind calls getfqdn, which can hang on DNS.
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    with Server(("", port), Handler) as srv:
        print(f"listening on {port}", flush=True)
        srv.serve_forever()
