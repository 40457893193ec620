import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DEPCRUISE = path.join(REPO, 'node_modules', '.bin', 'depcruise');
const RULES = path.join(REPO, '.dependency-cruiser.cjs');

/** Runs the project's import rules over a small tree of files; returns the violations' rule names. */
function violations(files: Record<string, string>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-rules-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs' } }));
    let output: string;
    try {
      output = execFileSync(DEPCRUISE, ['src', '--config', RULES, '--output-type', 'json'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // depcruise exits non-zero when it finds errors; its JSON is still on stdout.
      output = (err as { stdout: string }).stdout;
    }
    const result = JSON.parse(output) as { summary: { violations: { rule: { name: string } }[] } };
    return result.summary.violations.map((v) => v.rule.name).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the folder import rules (.dependency-cruiser.cjs, run by npm run lint)', () => {
  it('allow what docs/architecture.md allows', () => {
    expect(
      violations({
        'src/shared/errors.ts': 'export const e = 1;\n',
        'src/store/types.ts': "import { e } from '../shared/errors';\nexport const s = e;\n",
        'src/delivery/pool.ts': "import { s } from '../store/types';\nexport const p = s;\n",
      }),
    ).toEqual([]);
  });

  it('refuse an import against the table, naming the folder rule', () => {
    expect(
      violations({
        'src/store/types.ts': 'export const s = 1;\n',
        'src/shared/errors.ts': "import { s } from '../store/types';\nexport const e = s;\n",
      }),
    ).toEqual(['layer-shared']);
    expect(
      violations({
        'src/tools/sandbox/server.ts': 'export const t = 1;\n',
        'src/delivery/pool.ts': "import { t } from '../tools/sandbox/server';\nexport const p = t;\n",
      }),
    ).toEqual(['layer-delivery']);
  });

  it('refuse a cycle, even inside one folder', () => {
    expect(
      violations({
        'src/ehr/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
        'src/ehr/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      }),
    ).toEqual(['no-circular']);
  });
});
