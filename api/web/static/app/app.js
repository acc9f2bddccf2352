// Progressive enhancement only: every page works without this file.
import { initAll } from '../nhsuk/nhsuk-frontend.min.js'

initAll()

// Quick exit: hide the page at once, then replace it in history with /quick-exit, which
// deletes the draft and the session on the server before it moves on to the neutral site.
// Going through the server, not a background request, means Back can never reach a page
// while the session still exists (a background request raced the Back button). The
// Escape key does the same from anywhere on a page that offers it; without JavaScript
// the link itself goes to /quick-exit.
const quickExit = document.querySelector('[data-quick-exit]')
if (quickExit) {
  const leave = (event) => {
    if (event) event.preventDefault()
    document.body.style.display = 'none'
    window.location.replace(quickExit.getAttribute('href'))
  }
  quickExit.addEventListener('click', leave)
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') leave(event)
  })
}

// Idle-session warning: shown shortly before the session cookie expires.
const warning = document.getElementById('timeout-warning')
if (warning) {
  const total = Number(warning.dataset.timeoutSeconds) * 1000
  const ahead = Number(warning.dataset.warningSeconds) * 1000
  const countdown = warning.querySelector('[data-countdown]')
  const box = warning.querySelector('.app-timeout-warning__box')
  let started = Date.now()
  let lastFocus = null
  let ticker = null

  const words = (ms) => {
    const s = Math.max(0, Math.ceil(ms / 1000))
    if (s >= 60) {
      const m = Math.ceil(s / 60)
      return m + (m === 1 ? ' minute' : ' minutes')
    }
    return s + (s === 1 ? ' second' : ' seconds')
  }
  const check = () => {
    const left = total - (Date.now() - started)
    if (left <= 0) {
      // Once: a navigation started again on the next tick would abort this one.
      window.clearInterval(ticker)
      window.location.replace('/session-ended')
      return
    }
    if (left <= ahead) {
      if (warning.hidden) {
        lastFocus = document.activeElement
        warning.hidden = false
        box.focus()
      }
      // Announce only on whole minutes or the last 20 seconds, not every tick.
      const text = words(left)
      if (countdown.textContent !== text) countdown.textContent = text
    }
  }
  ticker = window.setInterval(check, 1000)

  warning.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const res = await fetch('/session/keep-alive', {
        method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin'
      })
      if (!res.ok) throw new Error('keep-alive failed')
    } catch (e) {
      window.location.replace('/session-ended')
      return
    }
    started = Date.now()
    warning.hidden = true
    if (lastFocus && lastFocus.focus) lastFocus.focus()
  })
  // Keep focus inside the warning while it is open (keyboard users).
  warning.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return
    const items = warning.querySelectorAll('button, a[href]')
    const first = items[0]
    const last = items[items.length - 1]
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus() }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus() }
  })
  void ticker
}
