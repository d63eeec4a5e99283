// Links between the demo pages of sio-testserver and the three deployment apps.
//
// scripts/start.sh runs sio-testserver on PORT and the apps beside it, on the next ports:
// sio-forwarder on PORT+1, sio-jobmanager on PORT+2, sio-coordinator on PORT+3 (each app serves
// its own page; a page works only on its own app). So:
// - on the chat page (web-demo/index.html), a link `<a data-port-offset="N" href="path">` goes to
//   the same host at this page's port + N, and carries `?demo=<this page>`;
// - on an app's page, a link `<a data-demo-home href="../">` goes back to that `demo` address (kept
//   in this origin's sessionStorage while one moves between the app's pages); without one (the app
//   was started on its own), the link stays as written.
"use strict";
(function () {
  const KEY = "sio-demo-home";
  const httpUrl = (text) => {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  };
  const ownPort = Number(location.port || (location.protocol === "https:" ? 443 : 80));
  for (const a of document.querySelectorAll("a[data-port-offset]")) {
    const url = new URL(a.getAttribute("href"), location.href);
    url.port = String(ownPort + Number(a.dataset.portOffset));
    url.searchParams.set("demo", location.href);
    a.href = url.href;
  }
  const fromQuery = httpUrl(new URLSearchParams(location.search).get("demo") || "");
  if (fromQuery) sessionStorage.setItem(KEY, fromQuery);
  const home = fromQuery || httpUrl(sessionStorage.getItem(KEY) || "");
  if (home) {
    for (const a of document.querySelectorAll("a[data-demo-home]")) a.href = home;
  }
})();
