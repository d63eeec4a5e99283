// The real @socket.io/admin-ui UI (the npm package's ui/dist, served by sio-forwarder at /admin)
// in headless Debian Chromium (/usr/bin/chromium via playwright-core; never a downloaded browser):
// fill the connection form (server URL, username, password), see our server's sockets listed on
// the Sockets page, live additions and removals included. Waits on page state with deadlines.
//
// usage: node admin_ui.browser.js --server <sio-forwarder>
"use strict";
const { io } = require("socket.io-client");
const bcrypt = require("bcryptjs");
const { chromium } = require("playwright-core");
const h = require("./harness");

h.watchdog(170000);
const exe = h.serverArg();
const CHROMIUM = "/usr/bin/chromium";

async function main() {
  const dir = h.tempDir({
    "config.json": {},
    "credentials.json": [{ username: "user", password: "user-secret" }],
    ".env": "HOST=127.0.0.1\nPORT=0\nUSERNAME=admin\nPASSWORD=" + bcrypt.hashSync("admin-secret", 4) + "\n",
  });
  const app = await h.startApp(exe, ["--dir", dir]);
  const url = `http://127.0.0.1:${app.port}`;
  const clients = [];
  const client = async (nsp, opts = {}) => {
    const s = io(url + nsp, { forceNew: true, reconnection: false, ...opts });
    clients.push(s);
    await h.once(s, "connect");
    return s;
  };
  const c1 = await client("/sharedsocket");
  const c2 = await client("/sharedsocket");

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const context = await browser.newContext({ locale: "en-US" });
    // The UI's index.html links web fonts from CDNs: nothing leaves this machine.
    await context.route((u) => !u.href.startsWith(url), (route) => route.abort());
    const page = await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));

    await h.check("ui-loads", async () => {
      const res = await page.goto(`${url}/admin`);
      if (!res.ok()) throw new Error(`status ${res.status()}`);
      if (!page.url().startsWith(`${url}/admin/`)) throw new Error(`not redirected: ${page.url()}`);
      await page.getByLabel("Server URL").waitFor({ timeout: 20000 });
    });

    const login = async (password) => {
      await page.getByLabel("Server URL").fill(url);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Connect" }).click();
    };

    await h.check("ui-wrong-password", async () => {
      await login("wrong");
      await page.getByText("Invalid credentials").waitFor({ timeout: 15000 });
    });

    await h.check("ui-login", async () => {
      await login("admin-secret");
      // the connection dialog closes once the admin namespace accepted us
      await page.getByLabel("Server URL").waitFor({ state: "hidden", timeout: 15000 });
    });

    await h.check("ui-lists-our-sockets", async () => {
      await page.goto(`${url}/admin/#/sockets/`);
      // If the dialog came back (page reload), the UI logs in again with its session id.
      await page.locator(".selector").first().waitFor({ timeout: 15000 });
      // The UI shows one namespace at a time: pick ours in its namespace selector.
      await page.locator(".selector").first().click();
      await page.locator(".v-menu__content .v-list-item").filter({ hasText: /^\/sharedsocket$/ }).click();
      for (const s of [c1, c2]) await page.getByText(s.id, { exact: true }).waitFor({ timeout: 15000 });
    });

    await h.check("ui-live-connect-and-disconnect", async () => {
      const c3 = await client("/sharedsocket");
      await page.getByText(c3.id, { exact: true }).waitFor({ timeout: 15000 });
      const id2 = c2.id;
      c2.disconnect();
      await page.getByText(id2, { exact: true }).waitFor({ state: "detached", timeout: 15000 });
      await page.getByText(c1.id, { exact: true }).waitFor({ timeout: 5000 });
    });

    await h.check("ui-no-page-errors", async () => {
      if (pageErrors.length) throw new Error(pageErrors.join(" | "));
    });
  } finally {
    await browser.close();
    for (const s of clients) s.disconnect();
  }
}

main()
  .catch((e) => {
    console.log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
    h.stopAll();
    process.exit(1);
  })
  .then(h.finish);
