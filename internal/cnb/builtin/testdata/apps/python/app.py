"""A web app on the standard library's http.server, listening on $PORT."""
import http.server
import os


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = http.server.HTTPServer(("", int(os.environ.get("PORT", "5000"))), Hello)
    print("listening on", server.server_address[1], flush=True)
    server.serve_forever()
