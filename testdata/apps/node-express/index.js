// Serves public/ with express.static, as Heroku's Node.js sample app does, and /env with
// what the Node.js buildpack's .profile.d script set.
const express = require("express");
const path = require("path");

const port = process.env.PORT || 5000;
const app = express();
app.use(express.static(path.join(__dirname, "public")));
app.get("/env", (req, res) => res.type("text/plain").send(`NODE_ENV=${process.env.NODE_ENV} PATH=${process.env.PATH}\n`));
const server = app.listen(port, () => console.log(`listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
