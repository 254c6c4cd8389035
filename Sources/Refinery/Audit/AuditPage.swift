import Foundation

/// The HTML page around the report: doctype, a Content-Security-Policy that allows nothing but inline styles
/// (no scripts, no fetches, even if something slipped past escaping), and the style sheet.
enum AuditPage {
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en" xmlns="http://www.w3.org/1999/xhtml">
        <head>
        <meta charset="utf-8"/>
        <meta http-equiv="Content-Security-Policy" content="\(policy)"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="referrer" content="no-referrer"/>
        <title>\(HTML.escape(title))</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// Nothing may load or run: no scripts, no fetches, no frames; inline styles and data: images only.
    static let policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

    /// No `<` or `&` in here: the sheet is inline and the document stays well-formed XML.
    static let css = """
        :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa; --card: #ffffff;
          --accent: #2f6fde; --good: #2f9e6a; --bad: #d64545; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink);
          font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
        header { background: #102a43; color: #ffffff; padding: 18px 32px; }
        header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; }
        header .meta { color: #bcccdc; font-size: 13px; overflow-wrap: anywhere; }
        header code { color: #d9e2ec; }
        nav { background: #243b53; padding: 8px 32px; font-size: 13px; }
        nav a { color: #d9e2ec; text-decoration: none; margin-right: 14px; white-space: nowrap; }
        nav a:hover { text-decoration: underline; }
        main { max-width: 1240px; margin: 0 auto; padding: 8px 32px 40px; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 20px 18px;
          margin: 16px 0; overflow-x: auto; }
        h2 { font-size: 18px; margin: 0 0 12px; }
        h3 { font-size: 14px; margin: 18px 0 8px; color: #334e68; }
        h4 { font-size: 13px; margin: 14px 0 4px; color: #334e68; text-transform: uppercase; letter-spacing: .03em; }
        table { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { background: #f0f4f8; font-weight: 600; color: #334e68; white-space: nowrap; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tbody tr:hover { background: #f8fafc; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
        .muted { color: var(--muted); }
        .ok { color: var(--good); font-weight: 600; }
        .bad { color: var(--bad); font-weight: 600; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; }
        .card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
          background: #fbfcfe; }
        .card .l { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
        .card .v { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
        .card .s { color: var(--muted); font-size: 12px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(410px, 1fr)); gap: 12px 20px; }
        figure { margin: 8px 0; }
        figure.wide { overflow-x: auto; }
        figcaption { font-size: 13px; font-weight: 600; color: #334e68; margin-bottom: 2px; }
        svg.chart { display: block; max-width: 100%; height: auto;
          font-family: -apple-system, "Segoe UI", Roboto, Arial, "Noto Sans", sans-serif; }
        .bar { display: inline-block; height: 10px; border-radius: 2px; background: var(--accent);
          vertical-align: middle; }
        .bar.bad { background: var(--bad); }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f0f4f8; border: 1px solid var(--line);
          border-radius: 6px; padding: 8px 10px; margin: 4px 0 8px; max-height: 22em; overflow: auto;
          font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
        details.record { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; background: #ffffff; }
        details.record > summary { cursor: pointer; padding: 8px 12px; background: #f8fafc; border-radius: 8px;
          overflow-wrap: anywhere; }
        details.record[open] > summary { border-bottom: 1px solid var(--line); border-radius: 8px 8px 0 0; }
        details.record .body { padding: 4px 16px 12px; }
        .tag { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
          background: #e4ecf7; color: #243b53; margin-right: 6px; }
        .tag.accepted { background: #e3f9e5; color: #1f6e43; }
        .tag.rejected { background: #fde8e8; color: #9b1c1c; }
        .tag.borderline { background: #fff3c4; color: #8d6708; }
        .tag.pass { background: #e3f9e5; color: #1f6e43; }
        .tag.fail { background: #fde8e8; color: #9b1c1c; }
        table.fields { width: 100%; }
        table.fields th { width: 90px; background: none; }
        table.fields td { padding-right: 0; }
        dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; font-size: 13px; }
        dl.kv dt { color: var(--muted); }
        dl.kv dd { margin: 0; overflow-wrap: anywhere; }
        footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
        @media print { nav { display: none; } pre { max-height: none; } }
        """
}
