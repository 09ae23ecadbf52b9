// The viewer page: noVNC's RFB client on the screen, and the control channel (session, status, Done).
// In view mode the client sends no input; the server drops any input it gets anyway.
import RFB from './novnc/core/rfb.js';

const folder = location.pathname.replace(/[^/]*$/, '');  // /<token>/
const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${folder}`;
const body = document.body;
const $ = (id) => document.getElementById(id);
const view = { rfb: null, session: null, status: {}, connected: false };
window.gymView = view;

function showStatus() {
  const s = view.status;
  let text = view.connected ? 'connected' : body.dataset.state;
  if (s.steps !== undefined && s.max_steps) text += ` · step ${s.steps} / ${s.max_steps}`;
  if (s.message) text += ` · ${s.message}`;
  if (s.finished) text = `finished · reward ${Number(s.reward).toFixed(2)}` + (s.message ? ` · ${s.message}` : '');
  $('status').textContent = text;
  if (s.finished) {
    body.dataset.state = 'finished';
    $('done').disabled = true;
  }
}

const control = new WebSocket(base + 'control');
control.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'session') {
    view.session = message;
    body.dataset.mode = message.mode;
    $('mode').textContent = message.mode === 'play' ? 'play: your input is recorded' : 'view only';
    $('title').textContent = message.title || 'gym-anything';
    $('instruction').textContent = message.instruction || '';
    document.title = `${message.title || 'gym-anything'} (${message.mode})`;
    if (view.rfb) view.rfb.viewOnly = message.mode !== 'play';
  } else if (message.type === 'status') {
    view.status = message;
  }
  showStatus();
};
control.onclose = () => { if (body.dataset.state !== 'finished') body.dataset.state = 'closed'; showStatus(); };

$('done').addEventListener('click', () => {
  control.send(JSON.stringify({ type: 'done' }));
  $('done').disabled = true;
  $('status').textContent = 'finishing: the verifier runs';
});

const rfb = new RFB($('screen'), base + 'rfb', { shared: true });
rfb.viewOnly = !(view.session && view.session.mode === 'play');
rfb.scaleViewport = false;
rfb.qualityLevel = 9;
rfb.compressionLevel = 1;
rfb.addEventListener('connect', () => { view.connected = true; body.dataset.state = 'connected'; showStatus(); });
rfb.addEventListener('disconnect', () => {
  view.connected = false;
  if (body.dataset.state !== 'finished') body.dataset.state = 'disconnected';
  showStatus();
});
view.rfb = rfb;
view.canvas = () => $('screen').querySelector('canvas');
