// Reference relay for bench/load.py --relay node: socket.io 4 on Node, relaying posts to
// the same rooms as cafe does, with nothing else (no database, no screening, no limits).
//
// It answers what bench/load.py sends, in the shapes it reads (docs/protocol.md has the
// app's): /phone connects with {code, device}, `join`, `sync`, `claim_host`, `post`;
// /board connects with {token} and sends `sync`. A phone's event is its join code, and a
// board's event its token: the bench gives both the same fake value per event.
//
//   node server.js --port 5000 [--host 127.0.0.1]
//
// Install once with `npm ci` in this folder (package-lock.json pins socket.io).

"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { Server } = require("socket.io");

// The app's Engine.IO settings (cafe/app.py): pings every 20 s, 10 s to answer, and its
// transport limit (cafe/wire.py MAX_TRANSPORT_BYTES).
const PING_INTERVAL_MS = 20000;
const PING_TIMEOUT_MS = 10000;
const MAX_TRANSPORT_BYTES = 4 * 64 * 1024;
// cafe/server.py LISTEN_BACKLOG: a reconnecting herd fits in the listen queue.
const LISTEN_BACKLOG = 2048;

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const port = Number(option("--port", "5000"));
const host = option("--host", "127.0.0.1");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error("--port must be 1-65535");
  process.exit(2);
}

const httpServer = http.createServer({ noDelay: true }, (request, response) => {
  // bench/load.py waits for this answer before connecting anyone.
  if (request.url === "/healthz") {
    response.writeHead(200, { "Content-Type": "text/plain" });
    response.end("ok");
    return;
  }
  response.writeHead(404);
  response.end();
});

const io = new Server(httpServer, {
  pingInterval: PING_INTERVAL_MS,
  pingTimeout: PING_TIMEOUT_MS,
  maxHttpBufferSize: MAX_TRANSPORT_BYTES,
  // No per-message compression, as cafe/wire.py PlainWebSockets (socket.io's default too).
  perMessageDeflate: false,
});

const isText = (value) => typeof value === "string" && value.length > 0;
// An event's payload as an object, whatever was sent.
const fields = (data) => (data !== null && typeof data === "object" ? data : {});
const eventRoom = (event) => `event:${event}`;
const tableRoom = (table) => `table:${table}`;

const phones = io.of("/phone");
const boards = io.of("/board");

phones.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (!isText(auth.code) || !isText(auth.device)) {
    next(new Error("bad_request"));
    return;
  }
  next();
});

phones.on("connection", (socket) => {
  // What the app keeps in the socket's session: the event, the table, the host role.
  const seat = { event: socket.handshake.auth.code, table: null, host: false };
  socket.join(eventRoom(seat.event));

  const answer = (ack, payload) => {
    if (typeof ack === "function") ack(payload);
  };

  socket.on("join", (data, ack) => {
    const table = fields(data).table;
    if (!Number.isInteger(table)) {
      answer(ack, { ok: false, error: "unknown_table" });
      return;
    }
    if (seat.table !== null && seat.table !== table) socket.leave(tableRoom(seat.table));
    socket.join(tableRoom(table));
    seat.table = table;
    answer(ack, {
      ok: true,
      state: { event: { code: seat.event }, table: { id: table }, is_host: seat.host, posts: [] },
    });
  });

  socket.on("sync", (data, ack) => {
    const table = seat.table === null ? null : { id: seat.table };
    answer(ack, { ok: true, state: { event: { code: seat.event }, table, is_host: seat.host } });
  });

  socket.on("claim_host", (data, ack) => {
    seat.host = true;
    answer(ack, { ok: true });
  });

  socket.on("post", (raw, ack) => {
    const data = fields(raw);
    const table = "table" in data ? data.table : seat.table;
    if (!Number.isInteger(table)) {
      answer(ack, { ok: false, error: "not_at_table" });
      return;
    }
    if (!isText(data.id) || !isText(data.text)) {
      answer(ack, { ok: false, error: "bad_request" });
      return;
    }
    const now = new Date();
    const post = {
      id: data.id,
      table,
      text: data.text,
      role: null,
      core: data.core === true,
      created: now.toISOString(),
      edited: false,
    };
    // As cafe/broadcast.py: the table's phones (the writer's included), then the boards.
    phones.to(tableRoom(table)).emit("post", post);
    if (post.core) boards.to(eventRoom(seat.event)).emit("core", post);
    answer(ack, { ok: true, post, duplicate: false });
  });
});

boards.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (!isText(auth.token)) {
    next(new Error("unknown_board"));
    return;
  }
  next();
});

boards.on("connection", (socket) => {
  socket.join(eventRoom(socket.handshake.auth.token));
  socket.on("sync", (data, ack) => {
    if (typeof ack === "function") ack({ ok: true, state: { cores: [] } });
  });
});

const version = JSON.parse(
  fs.readFileSync(path.join(__dirname, "node_modules", "socket.io", "package.json"), "utf8"),
).version;

httpServer.listen(port, host, LISTEN_BACKLOG, () => {
  console.log(`async mode: node (socket.io ${version}, node ${process.version})`);
  console.log(`relay listening on http://${host}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
