import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatches, isWanted } from '../../src/documentFilter';
import { parseSettings } from '../../src/settings';

const defaults = parseSettings(() => undefined);
const doc = (languageId: string, path: string, scheme = 'file') => ({ languageId, path, scheme });

describe('isWanted', () => {
  it('takes every language by default: Python, TypeScript, Go, JSON and C#', () => {
    for (const [language, path] of [
      ['python', '/w/app.py'],
      ['typescript', '/w/app.ts'],
      ['go', '/w/main.go'],
      ['json', '/w/package.json'],
      ['csharp', '/w/Program.cs'],
    ]) {
      assert.equal(isWanted(defaults, doc(language, path)), true, language);
    }
  });

  it('leaves out plain text, markdown and secrets-like files by default', () => {
    assert.equal(isWanted(defaults, doc('plaintext', '/w/notes.txt')), false);
    assert.equal(isWanted(defaults, doc('markdown', '/w/README.md')), false);
    assert.equal(isWanted(defaults, doc('dotenv', '/w/.env')), false);
    assert.equal(isWanted(defaults, doc('shellscript', '/w/.env')), false, 'a .env is excluded whatever its language');
    assert.equal(isWanted(defaults, doc('shellscript', '/w/deploy/.env.production')), false);
    assert.equal(isWanted(defaults, doc('plaintext', '/home/u/.ssh/id_rsa')), false);
    assert.equal(isWanted(defaults, doc('json', '/w/config/secrets.json')), false);
    assert.equal(isWanted(defaults, doc('shellscript', '/w/scripts/env.sh')), true);
  });

  it('keeps to a list of languages when one is given', () => {
    const settings = parseSettings((key) => (key === 'languages' ? ['csharp'] : undefined));
    assert.equal(isWanted(settings, doc('csharp', '/w/Program.cs')), true);
    assert.equal(isWanted(settings, doc('python', '/w/app.py')), false);
  });

  it('takes untitled documents but not other schemes (git, output)', () => {
    assert.equal(isWanted(defaults, doc('python', 'Untitled-1', 'untitled')), true);
    assert.equal(isWanted(defaults, doc('python', '/w/app.py', 'git')), false);
  });

  it('lets the user take plain text back by emptying the exclusions', () => {
    const settings = parseSettings((key) => (key === 'excludeLanguages' ? [] : undefined));
    assert.equal(isWanted(settings, doc('plaintext', '/w/notes.txt')), true);
  });
});

describe('globMatches', () => {
  it('matches ** across folders, * within a name, and bare names anywhere', () => {
    assert.equal(globMatches('**/*.pem', '/a/b/c/server.pem'), true);
    assert.equal(globMatches('**/*.pem', '/a/b/server.pem.txt'), false);
    assert.equal(globMatches('*.key', '/a/b/tls.key'), true);
    assert.equal(globMatches('src/*.ts', '/w/src/a.ts'), true);
    assert.equal(globMatches('src/*.ts', '/w/src/sub/a.ts'), false);
    assert.equal(globMatches('**/{a,b}.txt', '/w/b.txt'), true);
    assert.equal(globMatches('**/.env', 'C:/w/.env'.replace(/^C:/, '')), true);
  });
});
