import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDbPath } from '../../src-main/store/db-location';

describe('resolveDbPath', () => {
  it('uses $XDG_CONFIG_HOME on Linux when it is set', () => {
    expect(resolveDbPath(undefined, { XDG_CONFIG_HOME: '/srv/cfg' }, 'linux', '/home/ada')).toBe(
      '/srv/cfg/Concurrency Lab/conlab.db',
    );
  });

  it('falls back to ~/.config on Linux when XDG_CONFIG_HOME is unset, empty or relative', () => {
    const expected = '/home/ada/.config/Concurrency Lab/conlab.db';
    expect(resolveDbPath(undefined, {}, 'linux', '/home/ada')).toBe(expected);
    expect(resolveDbPath(undefined, { XDG_CONFIG_HOME: '' }, 'linux', '/home/ada')).toBe(expected);
    expect(resolveDbPath(undefined, { XDG_CONFIG_HOME: 'relative/cfg' }, 'linux', '/home/ada')).toBe(expected);
  });

  it('uses Application Support on macOS, whatever XDG says', () => {
    expect(resolveDbPath(undefined, { XDG_CONFIG_HOME: '/srv/cfg' }, 'darwin', '/Users/ada')).toBe(
      '/Users/ada/Library/Application Support/Concurrency Lab/conlab.db',
    );
  });

  it('uses %APPDATA% on Windows, else the roaming folder under the home', () => {
    expect(resolveDbPath(undefined, { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Concurrency Lab\\conlab.db',
    );
    expect(resolveDbPath(undefined, {}, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Concurrency Lab\\conlab.db',
    );
  });

  it('lets CONLAB_DB override the default', () => {
    expect(resolveDbPath(undefined, { CONLAB_DB: '/data/lab.db', XDG_CONFIG_HOME: '/srv/cfg' }, 'linux', '/home/ada')).toBe(
      '/data/lab.db',
    );
  });

  it('lets an explicit path (--db) override CONLAB_DB and the default', () => {
    expect(resolveDbPath('/tmp/explicit.db', { CONLAB_DB: '/data/lab.db' }, 'linux', '/home/ada')).toBe('/tmp/explicit.db');
  });

  it('resolves a relative explicit path against the working directory and expands ~', () => {
    expect(resolveDbPath('runs/lab.db', {}, 'linux', '/home/ada')).toBe(path.resolve('runs/lab.db'));
    expect(resolveDbPath(undefined, { CONLAB_DB: '~/lab/conlab.db' }, 'linux', '/home/ada')).toBe(
      path.resolve('/home/ada/lab/conlab.db'),
    );
  });

  it('ignores an empty explicit path or CONLAB_DB', () => {
    expect(resolveDbPath('', { CONLAB_DB: '  ' }, 'linux', '/home/ada')).toBe('/home/ada/.config/Concurrency Lab/conlab.db');
  });
});
