// The timeout warning: 5 minutes before the session would end, a modal dialog
// offers "Stay signed in" (a keep-alive request) or "Sign out". The server
// enforces both limits by itself (30 minutes idle, 12 hours from sign-in);
// this only warns. Loaded as a module from layouts/base.html: no inline script.

const dialog = document.getElementById("session-timeout");

function plural(n, unit) {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function describe(seconds) {
  if (seconds >= 60) {
    return `in ${plural(Math.ceil(seconds / 60), "minute")}`;
  }
  return `in ${plural(Math.max(0, seconds), "second")}`;
}

if (dialog && typeof dialog.showModal === "function") {
  const data = dialog.dataset;
  const idleMs = Number(data.idleSeconds) * 1000;
  // The server slides the idle timeout at most once per refreshMs, so after
  // an htmx request the session may end up to that much sooner than idleMs.
  const refreshMs = Number(data.refreshSeconds) * 1000;
  const warningMs = Number(data.warningSeconds) * 1000;
  const absoluteEnd = Date.now() + Number(data.absoluteSecondsLeft) * 1000;
  const countdown = dialog.querySelector("[data-countdown]");
  const announce = dialog.querySelector("[data-countdown-announce]");
  const stay = dialog.querySelector("[data-stay-signed-in]");
  const csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]");

  let end = 0;
  let warnTimer = 0;
  let tick = 0;
  let lastAnnounced = "";

  const signedOut = () => window.location.assign(data.signedOutUrl);

  const update = () => {
    const left = Math.round((end - Date.now()) / 1000);
    if (left <= 0) {
      signedOut();
      return;
    }
    const text = describe(left);
    countdown.textContent = text;
    // Screen readers hear the minutes, not every second.
    const spoken = left >= 60 ? text : left <= 20 ? "in less than 20 seconds" : "in less than a minute";
    if (spoken !== lastAnnounced) {
      announce.textContent = `You will be signed out ${spoken}.`;
      lastAnnounced = spoken;
    }
  };

  const open = () => {
    if (!dialog.open) {
      dialog.showModal();
      stay.focus();
    }
    update();
    window.clearInterval(tick);
    tick = window.setInterval(update, 1000);
  };

  // (Re)start the clock: the session now ends after `idle` ms without
  // activity, or at the absolute limit, whichever is sooner.
  const schedule = (idle) => {
    end = Math.min(Date.now() + idle, absoluteEnd);
    window.clearTimeout(warnTimer);
    warnTimer = window.setTimeout(open, Math.max(0, end - warningMs - Date.now()));
  };

  const close = () => {
    window.clearInterval(tick);
    if (dialog.open) dialog.close();
    lastAnnounced = "";
  };

  const staySignedIn = async () => {
    try {
      const response = await fetch(data.keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`keep-alive ${response.status}`);
      const body = await response.json();
      if (body.seconds_left <= 0) throw new Error("session over");
    } catch {
      signedOut();
      return;
    }
    close();
    schedule(idleMs); // keep-alive always refreshes: exact
  };

  stay.addEventListener("click", staySignedIn);
  // Escape means "I'm still here", as in the GOV.UK pattern.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    staySignedIn();
  });
  // htmx requests reach the server and so refresh the idle timeout too.
  document.body.addEventListener("htmx:afterRequest", () => {
    if (!dialog.open) schedule(idleMs - refreshMs);
  });

  schedule(Number(data.idleSecondsLeft) * 1000);
}
