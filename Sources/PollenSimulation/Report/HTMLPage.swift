/// The self-contained page every Pollen report uses: title, shared styles, `body`, footer.
enum HTMLPage {
  static func render(title: String, body: String) -> String {
    """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
    <style>
    body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;color:#222;max-width:1360px}
    .plots{display:flex;flex-wrap:wrap;gap:16px} table{border-collapse:collapse;margin:1em 0}
    th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;font-size:13px} th{background:#f6f6f6}
    </style></head><body>
    <h1>\(escape(title))</h1>
    \(body)
    <p style="color:#888;font-size:12px">Made by Pollen.</p>
    </body></html>

    """
  }
}
