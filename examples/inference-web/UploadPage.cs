/// <summary>The service's one page: choose an image, see it and the five most probable classes.</summary>
internal static class UploadPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Runner inference</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; color: #222; }
            img { image-rendering: pixelated; width: 128px; height: 128px; object-fit: contain; border: 1px solid #ccc; }
            table { border-collapse: collapse; margin-top: 1rem; }
            td, th { padding: .25rem .75rem; text-align: left; }
            .bar { background: #4a7bd0; height: .8rem; }
            #error { color: #b00020; }
          </style>
        </head>
        <body>
          <h1>What does the model see?</h1>
          <p><input id="file" type="file" accept="image/*"></p>
          <p><img id="preview" alt="" hidden></p>
          <p id="error"></p>
          <table id="result" hidden>
            <thead><tr><th>class</th><th>probability</th><th></th></tr></thead>
            <tbody></tbody>
          </table>
          <script>
            let classes = [];
            fetch('classes').then(r => r.json()).then(names => { classes = names; });
            const cell = text => { const td = document.createElement('td'); td.textContent = text; return td; };
            const file = document.getElementById('file');
            file.addEventListener('change', async () => {
              const chosen = file.files[0];
              if (!chosen) return;
              const preview = document.getElementById('preview');
              preview.src = URL.createObjectURL(chosen);
              preview.hidden = false;
              const form = new FormData();
              form.append('image', chosen);
              const response = await fetch('predict', { method: 'POST', body: form });
              const answer = await response.json();
              const error = document.getElementById('error');
              const table = document.getElementById('result');
              if (!response.ok) { error.textContent = answer.error; table.hidden = true; return; }
              error.textContent = '';
              const scores = answer.pred_score || [];
              const top = scores.map((p, label) => ({ label, p })).sort((a, b) => b.p - a.p).slice(0, 5);
              const body = table.querySelector('tbody');
              body.replaceChildren(...top.map(({ label, p }) => {
                const row = document.createElement('tr');
                const bar = document.createElement('div');
                bar.className = 'bar';
                bar.style.width = Math.round(200 * p) + 'px';
                const barCell = document.createElement('td');
                barCell.append(bar);
                row.append(cell(classes[label] ?? String(label)), cell((100 * p).toFixed(2) + ' %'), barCell);
                return row;
              }));
              table.hidden = false;
            });
          </script>
        </body>
        </html>
        """;
}
