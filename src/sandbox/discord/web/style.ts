/** The page's look: Discord's dark theme, so a community manager recognises where things are. */
export const STYLE = `
:root { color-scheme: dark; --bg: #313338; --side: #2b2d31; --deep: #1e1f22; --text: #dbdee1; --muted: #949ba4;
  --link: #00a8fc; --blurple: #5865f2; --green: #248046; --red: #da373c; --grey: #4e5058; --line: #3f4147; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { background: var(--bg); color: var(--text); font: 15px/1.4 "gg sans", "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  display: flex; flex-direction: column; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
code { background: var(--deep); border-radius: 4px; padding: 0 4px; font-size: 85%; }
pre { background: var(--deep); border-radius: 4px; padding: 8px; white-space: pre-wrap; }
button, .btn { font: inherit; font-size: 14px; border: 0; border-radius: 4px; padding: 6px 14px; cursor: pointer;
  color: #fff; background: var(--grey); display: inline-block; }
button:hover, .btn:hover { filter: brightness(1.15); text-decoration: none; }
button:disabled { opacity: .5; cursor: not-allowed; }
.primary { background: var(--blurple); } .success { background: var(--green); } .danger { background: var(--red); }
.secondary { background: var(--grey); }
input, select, textarea { font: inherit; font-size: 14px; color: var(--text); background: var(--deep); border: 1px solid #111214;
  border-radius: 4px; padding: 6px 8px; max-width: 100%; }
textarea { resize: vertical; }
.top { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: var(--deep); border-bottom: 1px solid #111214; flex-wrap: wrap; }
.brand { font-size: 16px; margin-right: auto; } .brand b { color: #fff; } .brand span { color: var(--muted); }
.top form { display: flex; align-items: center; gap: 8px; margin: 0; } .top label { color: var(--muted); }
.top select { max-width: 280px; }
.app { flex: 1; display: grid; grid-template-columns: 250px minmax(0, 1fr) 360px; min-height: 0; }
.sidebar, .commands { background: var(--side); overflow-y: auto; padding: 12px 8px; }
.sidebar h2, .commands h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .02em; color: var(--muted); margin: 16px 8px 4px; }
.sidebar ul { list-style: none; margin: 0; padding: 0; }
.sidebar a.ch { display: block; padding: 5px 8px; border-radius: 4px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sidebar a.ch:hover { background: #35373c; color: var(--text); text-decoration: none; }
.sidebar a.ch.current { background: #404249; color: #fff; }
.sidebar .threads a.ch { padding-left: 26px; font-size: 14px; }
.sidebar .empty, .hint { color: var(--muted); font-size: 13px; margin: 4px 8px; }
.me { display: flex; gap: 10px; align-items: center; padding: 8px; background: var(--deep); border-radius: 8px; }
.me small { display: block; color: var(--muted); font-size: 12px; }
.avatar { flex: none; width: 40px; height: 40px; border-radius: 50%; background: var(--blurple); color: #fff; display: flex;
  align-items: center; justify-content: center; font-weight: 600; }
.avatar.bot { background: #23a55a; }
main.channel { display: flex; flex-direction: column; min-height: 0; }
.ch-head { padding: 10px 16px; border-bottom: 1px solid var(--line); display: flex; gap: 12px; align-items: baseline; }
.ch-head h1 { font-size: 16px; margin: 0; color: #fff; } .ch-head .topic { color: var(--muted); margin: 0; font-size: 14px; }
.scroll { flex: 1; overflow-y: auto; display: flex; flex-direction: column-reverse; }
.scroll.top { flex-direction: column; }
.messages { padding: 8px 0 16px; }
.earlier { display: block; text-align: center; margin: 8px; }
.msg { display: flex; gap: 14px; padding: 6px 16px 2px; }
.msg.cont { padding-top: 0; } .msg.cont .avatar { visibility: hidden; height: 0; }
.msg:hover { background: #2e3035; }
.msg:target { background: #3b3d2a; box-shadow: inset 3px 0 #f0b232; }
.msg.ephemeral { background: #2f3247; }
.msg .body { min-width: 0; flex: 1; }
.msg .who { color: #fff; font-weight: 600; } .msg time { color: var(--muted); font-size: 12px; margin-left: 6px; }
.tag { background: var(--blurple); color: #fff; font-size: 10px; font-weight: 700; border-radius: 3px; padding: 1px 4px; margin-left: 4px; vertical-align: 2px; }
.used { color: var(--muted); font-size: 13px; } .ref { color: var(--muted); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.content p { margin: 2px 0; } .content h3, .content h4, .content h5 { margin: 8px 0 2px; color: #fff; }
.content ul, .content ol { margin: 2px 0; padding-left: 22px; }
.content blockquote { margin: 4px 0; padding-left: 10px; border-left: 4px solid var(--grey); }
.subtext { color: var(--muted); font-size: 13px; }
.mention { background: rgba(88,101,242,.3); color: #c9cdfb; border-radius: 3px; padding: 0 2px; }
.mention.mine { background: rgba(240,178,50,.25); color: #f0b232; }
.spoiler { background: #111214; color: #111214; border-radius: 3px; } .spoiler:hover { color: var(--text); }
.embed { border-left: 4px solid var(--grey); background: var(--side); border-radius: 4px; padding: 10px 14px; margin: 6px 0; max-width: 640px; }
.embed-title { color: #fff; font-weight: 600; margin-bottom: 4px; }
.fields { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin-top: 8px; }
.field-box { grid-column: 1 / -1; } .field-box.inline { grid-column: auto; }
.field-name { font-weight: 600; color: #fff; font-size: 14px; }
.embed img, .attachment img { display: block; max-width: 100%; height: auto; border-radius: 4px; margin-top: 8px; background: #fff; }
.footer { color: var(--muted); font-size: 12px; margin-top: 8px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0; }
.row form { margin: 0; display: contents; }
.only-you { color: var(--muted); font-size: 12px; margin-top: 2px; }
.reactions { display: flex; gap: 4px; margin-top: 4px; } .reaction { background: var(--side); border-radius: 8px; padding: 0 6px; font-size: 13px; }
.note { margin: 8px 16px 0; padding: 8px 12px; border-radius: 6px; background: #2f3247; border-left: 4px solid var(--blurple); }
.note.error { border-color: var(--red); background: #3a2a2d; } .note.ok { border-color: #23a55a; }
.composer { display: flex; gap: 8px; padding: 12px 16px; border-top: 1px solid var(--line); }
.composer textarea { flex: 1; height: 42px; }
.posts { padding: 12px 16px; display: grid; gap: 8px; }
.post { display: block; background: var(--side); border-radius: 8px; padding: 10px 14px; color: var(--text); }
.post:hover { background: #35373c; text-decoration: none; } .post b { color: #fff; display: block; } .post small { color: var(--muted); }
.commands details { background: #232428; border-radius: 6px; margin: 6px 4px; }
.commands details details { background: #2b2d31; margin: 6px 8px; }
.commands summary { cursor: pointer; padding: 7px 10px; list-style-position: inside; }
.commands summary code, .leaf code { color: #fff; background: none; font-size: 14px; padding: 0; }
.commands summary span { color: var(--muted); font-size: 13px; }
.leaf { display: flex; flex-direction: column; gap: 8px; padding: 4px 10px 10px; margin: 0; }
.field { display: flex; flex-direction: column; gap: 3px; }
.opt-name { color: #fff; font-size: 13px; font-weight: 600; } .opt-help { color: var(--muted); font-size: 12px; }
.req { color: var(--red); margin-left: 2px; }
.landing { max-width: 720px; margin: 32px auto; padding: 0 24px; }
.landing h1 { color: #fff; font-size: 24px; } .landing ol { padding-left: 20px; } .landing li { margin: 8px 0; }
.picks { display: grid; gap: 8px; margin: 12px 0 20px; }
.pick { display: block; background: var(--side); border-radius: 8px; padding: 10px 14px; color: var(--text); }
.pick b { color: #fff; } .pick small { color: var(--muted); display: block; }
.pick:hover { background: #35373c; text-decoration: none; }
dialog.modal { position: fixed; inset: 0; margin: auto; width: min(520px, 92vw); background: var(--bg); color: var(--text);
  border: 0; border-radius: 8px; padding: 0; box-shadow: 0 0 0 100vmax rgba(0,0,0,.6); }
dialog.modal form { display: flex; flex-direction: column; gap: 12px; padding: 18px 20px; }
dialog.modal h2 { margin: 0; color: #fff; font-size: 20px; }
dialog.modal .actions { display: flex; justify-content: flex-end; gap: 8px; }
`;
