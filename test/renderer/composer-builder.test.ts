// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { issuesOwnedBy } from '../../src-renderer/components/composer/builder-context';
import ComposerBuilder from '../../src-renderer/components/composer/ComposerBuilder.vue';
import { changeOp, moveItem, newStep, parseField, pathText, renameKey, setAt, type JsonObject } from '../../src-renderer/components/composer/spec-builder';
import { mountWithApp } from './mount-app';

describe('spec-builder', () => {
  test('a new step has the fields it needs, a fresh copy each time', () => {
    expect(newStep('acquire')).toEqual({ op: 'acquire', prim: '' });
    expect(newStep('repeat')).toEqual({ op: 'repeat', times: 10, steps: [] });
    // A fresh copy each time: editing one step never changes the next one added.
    const first = newStep('map');
    (first['args'] as number[]).push(4);
    expect(newStep('map')['args']).toEqual([1, 2, 3]);
    expect(() => newStep('nope')).toThrow(/no step op nope/);
  });

  test('changing an op keeps the fields both ops share, and the label', () => {
    expect(changeOp({ op: 'acquire', prim: 'L', timeoutMs: 5, label: 'take' }, 'release')).toEqual({ op: 'release', prim: 'L', label: 'take' });
    expect(changeOp({ op: 'sleep', ms: 250 }, 'block')).toEqual({ op: 'block', ms: 250 });
  });

  test('edits by path: set, remove, move within bounds, rename keeping the order', () => {
    const spec: JsonObject = { primitives: { a: { type: 'mutex' }, b: { type: 'event' }, c: { type: 'mutex' } }, actors: [{ program: [1, 2, 3] }] };
    moveItem(spec, ['actors', 0, 'program'], 0, 1);
    moveItem(spec, ['actors', 0, 'program'], 2, 1); // already last: stays
    expect((spec['actors'] as JsonObject[])[0]!['program']).toEqual([2, 1, 3]);
    setAt(spec, ['actors', 0, 'program', 1], undefined);
    expect((spec['actors'] as JsonObject[])[0]!['program']).toEqual([2, 3]);
    expect(renameKey(spec, ['primitives'], 'b', 'go')).toBe(true);
    expect(Object.keys(spec['primitives'] as JsonObject)).toEqual(['a', 'go', 'c']);
    expect(renameKey(spec, ['primitives'], 'a', 'c')).toBe(false);
    expect(renameKey(spec, ['primitives'], 'a', '')).toBe(false);
    expect(Object.keys(spec['primitives'] as JsonObject)).toEqual(['a', 'go', 'c']);
  });

  test('fields read numbers, text and JSON, and say what they expected', () => {
    expect(parseField('number', ' 42 ')).toEqual({ ok: true, value: 42 });
    expect(parseField('number', '{"param": "n"}')).toEqual({ ok: true, value: { param: 'n' } });
    expect(parseField('number', 'ten')).toMatchObject({ ok: false, error: expect.stringContaining('a number') });
    expect(parseField('json', '{"ref": "x"}')).toEqual({ ok: true, value: { ref: 'x' } });
    expect(parseField('json', '{ref: x}')).toMatchObject({ ok: false });
    expect(parseField('text', '')).toEqual({ ok: true, value: '' });
  });

  test('validation paths are written as the engine writes them, and each issue lands on the step it names', () => {
    expect(pathText(['actors', 0, 'program', 2, 'ms'])).toBe('actors[0].program[2].ms');
    const issues = [
      { path: 'actors[0].program[1].ms', message: 'too large' },
      { path: 'actors[0].program[1].steps[0].prim', message: 'unknown primitive' },
      { path: 'actors[0].program[1].cond.compare[0]', message: 'wrong type' },
      { path: 'actors[0].program[10]', message: 'another step' },
    ];
    expect(issuesOwnedBy(issues, ['actors', 0, 'program', 1]).map((i) => i.message)).toEqual(['too large', 'wrong type']);
    expect(issuesOwnedBy(issues, ['actors', 0, 'program', 1, 'steps', 0]).map((i) => i.message)).toEqual(['unknown primitive']);
    expect(issuesOwnedBy(issues, ['actors', 0]).map((i) => i.message)).toEqual([]);
  });
});

const starter: JsonObject = {
  version: 1,
  title: 'builder test',
  params: { n: { type: 'integer', default: 3 } },
  primitives: { L: { type: 'mutex' } },
  actors: [{ name: 'w', kind: 'thread', count: 2, program: [{ op: 'acquire', prim: 'L' }, { op: 'sleep', ms: 10 }, { op: 'release', prim: 'L' }] }],
};

interface MountedBuilder {
  readonly wrapper: VueWrapper;
  /** The spec as the builder last emitted it. */
  current(): JsonObject;
  /** Feeds the last emitted spec back as the prop, as the page does (the builder is controlled). */
  follow(): Promise<void>;
}

async function mountBuilder(spec: JsonObject, issues: { path: string; message: string; expected?: string }[] = []): Promise<MountedBuilder> {
  let current = spec;
  const { wrapper } = await mountWithApp(ComposerBuilder, { props: { spec, issues } });
  return {
    wrapper: wrapper as unknown as VueWrapper,
    current: () => current,
    async follow() {
      const emitted = wrapper.emitted('update:spec');
      const last = emitted?.[emitted.length - 1]?.[0] as JsonObject | undefined;
      if (last && last !== current) {
        current = last;
        await wrapper.setProps({ spec: last });
      }
    },
  };
}

describe('ComposerBuilder', () => {
  test('adds, reorders, edits and removes steps, and the spec follows', async () => {
    const mounted = await mountBuilder(starter);
    const { wrapper, follow } = mounted;
    const program = () => ((mounted.current()['actors'] as JsonObject[])[0]!['program'] as JsonObject[]).map((step) => step['op']);

    // Add a 'mark' step at the end of w's program.
    const list = wrapper.find('[data-steps="actors[0].program"]');
    await list.find('[data-testid="step-op-to-add"]').setValue('mark');
    await list.find('[data-testid="add-step"]').trigger('click');
    await follow();
    expect(program()).toEqual(['acquire', 'sleep', 'release', 'mark']);

    // Move the mark up to the top, one place at a time; the first step's "up" is disabled.
    for (let i = 0; i < 3; i++) {
      await wrapper.find(`[data-step="actors[0].program[${3 - i}]"] [data-testid="step-up"]`).trigger('click');
      await follow();
    }
    expect(program()).toEqual(['mark', 'acquire', 'sleep', 'release']);
    expect(wrapper.find('[data-step="actors[0].program[0]"] [data-testid="step-up"]').attributes('disabled')).toBeDefined();

    // Edit the sleep's ms; a bad number is refused in place and changes nothing.
    const ms = wrapper.find('[data-field="actors[0].program[2].ms"]');
    await ms.setValue('250');
    await ms.trigger('change');
    await follow();
    expect((mounted.current()['actors'] as JsonObject[])[0]!['program']).toContainEqual({ op: 'sleep', ms: 250 });
    const before = wrapper.emitted('update:spec')!.length;
    await ms.setValue('soon');
    await ms.trigger('change');
    expect(wrapper.emitted('update:spec')!.length).toBe(before);
    expect(wrapper.find('[data-step="actors[0].program[2]"] [role="alert"]').text()).toContain('a number');

    // Turn the sleep into a block (ms kept), then remove the mark.
    await wrapper.find('[data-step="actors[0].program[2]"] [data-testid="step-op"]').setValue('block');
    await follow();
    expect((mounted.current()['actors'] as JsonObject[])[0]!['program']).toContainEqual({ op: 'block', ms: 250 });
    await wrapper.find('[data-step="actors[0].program[0]"] [data-testid="step-remove"]').trigger('click');
    await follow();
    expect(program()).toEqual(['acquire', 'block', 'release']);
  });

  test('nested steps: a repeat gets a body, and optional fields are added and removed', async () => {
    const mounted = await mountBuilder(starter);
    const { wrapper, follow } = mounted;
    const top = wrapper.find('[data-steps="actors[0].program"]');
    await top.find('[data-testid="step-op-to-add"]').setValue('repeat');
    await top.find('[data-testid="add-step"]').trigger('click');
    await follow();
    const body = wrapper.find('[data-steps="actors[0].program[3].steps"]');
    await body.find('[data-testid="step-op-to-add"]').setValue('add');
    await body.find('[data-testid="add-step"]').trigger('click');
    await follow();
    const repeat = ((mounted.current()['actors'] as JsonObject[])[0]!['program'] as JsonObject[])[3]!;
    expect(repeat).toEqual({ op: 'repeat', times: 10, steps: [{ op: 'add', var: '', delta: 1 }] });
    // A name not chosen yet is a picker on "Choose…" (not taken for a boolean), offering the declared names.
    const varField = wrapper.find('[data-field="actors[0].program[3].steps[0].var"]').element as HTMLSelectElement;
    expect([varField.type, varField.value]).toEqual(['select-one', '']);

    // A JSON field keeps text it refused while another field is edited (every edit makes new objects).
    // The top list's own add control (the repeat's body has one too, earlier in the page).
    await top.find(':scope > .add-step [data-testid="step-op-to-add"]').setValue('record');
    await top.find(':scope > .add-step [data-testid="add-step"]').trigger('click');
    await follow();
    // The value is a local in the value editor; switched to JSON it is the whole value in one box.
    expect((wrapper.find('[data-field="actors[0].program[4].value.ref"]').element as HTMLInputElement).value).toBe('x');
    await wrapper.find('[data-value="actors[0].program[4].value"] [data-testid="value-kind"]').setValue('json');
    const value = wrapper.find('[data-field="actors[0].program[4].value"]');
    expect((value.element as HTMLInputElement).value).toBe('{"ref":"x"}');
    await value.setValue('{"ref": ');
    await value.trigger('change');
    const name = wrapper.find('[data-field="actors[0].program[4].name"]');
    await name.setValue('total');
    await name.trigger('change');
    await follow();
    expect(((mounted.current()['actors'] as JsonObject[])[0]!['program'] as JsonObject[])[4]).toEqual({ op: 'record', name: 'total', value: { ref: 'x' } });
    expect((wrapper.find('[data-field="actors[0].program[4].value"]').element as HTMLInputElement).value).toBe('{"ref": ');
    expect(wrapper.find('[data-step="actors[0].program[4]"] [role="alert"]').text()).toContain('JSON');

    await wrapper.find('[data-step="actors[0].program[3]"] [data-testid="add-field"]').setValue('trace');
    await follow();
    expect(((mounted.current()['actors'] as JsonObject[])[0]!['program'] as JsonObject[])[3]!['trace']).toBe('summary');
    await wrapper.find('[data-step="actors[0].program[3]"] [aria-label="Remove the field trace"]').trigger('click');
    await follow();
    expect(((mounted.current()['actors'] as JsonObject[])[0]!['program'] as JsonObject[])[3]).not.toHaveProperty('trace');
  });

  test('primitives, queues and actors are added, renamed and removed; other sections are named, not lost', async () => {
    const mounted = await mountBuilder(starter);
    const { wrapper, follow } = mounted;
    expect(wrapper.find('[data-testid="builder-elsewhere"]').exists()).toBe(false);
    await wrapper.find('[data-testid="add-primitive"]').trigger('click');
    await follow();
    expect(mounted.current()['primitives']).toEqual({ L: { type: 'mutex' }, lock: { type: 'mutex' } });
    await wrapper.find('[data-entry="lock"] [data-testid="primitive-type"]').setValue('barrier');
    await follow();
    expect((mounted.current()['primitives'] as JsonObject)['lock']).toEqual({ type: 'barrier', parties: 2 });
    const name = wrapper.find('[data-section="primitives"] [data-entry="lock"] input.name-input');
    await name.setValue('L');
    await name.trigger('change');
    expect(wrapper.find('[role="alert"]').text()).toContain('already used');
    expect((name.element as HTMLInputElement).value).toBe('lock');
    await name.setValue('gate');
    await name.trigger('change');
    await follow();
    expect(Object.keys(mounted.current()['primitives'] as JsonObject)).toEqual(['L', 'gate']);

    await wrapper.find('[data-testid="add-queue"]').trigger('click');
    await follow();
    expect(mounted.current()['queues']).toEqual({ jobs: { order: 'fifo' } });
    await wrapper.find('[data-testid="add-actor"]').trigger('click');
    await follow();
    expect((mounted.current()['actors'] as JsonObject[]).map((a) => a['name'])).toEqual(['w', 'worker']);
    await wrapper.find('[data-actor="1"] [data-testid="actor-kind"]').setValue('process');
    await follow();
    expect((mounted.current()['actors'] as JsonObject[])[1]!['kind']).toBe('process');
    await wrapper.find('[data-actor="0"] [data-testid="remove-actor"]').trigger('click');
    await follow();
    expect((mounted.current()['actors'] as JsonObject[]).map((a) => a['name'])).toEqual(['worker']);
    expect(mounted.current()['params']).toEqual(starter['params']);
  });

  test('parameters and claims are built with forms; sections the forms do not cover are named', async () => {
    const mounted = await mountBuilder({ ...starter, shared: { total: { scope: 'shared', initial: 0 } }, servers: { echo: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } } } });
    const { wrapper, follow } = mounted;
    expect(wrapper.find('[data-testid="builder-elsewhere"]').text()).toContain('servers (1)');
    await wrapper.find('[data-testid="add-param"]').trigger('click');
    await follow();
    expect(mounted.current()['params']).toEqual({ n: { type: 'integer', default: 3 }, n2: { type: 'integer', default: 1 } });
    await wrapper.find('[data-section="params"] [data-entry="n2"] [data-testid="param-type"]').setValue('choice');
    await follow();
    expect((mounted.current()['params'] as JsonObject)['n2']).toEqual({ type: 'choice', default: 'a', choices: ['a', 'b'] });
    await wrapper.find('[data-section="params"] [data-entry="n"] [data-testid="add-field"]').setValue('max');
    await follow();
    expect((mounted.current()['params'] as JsonObject)['n']).toEqual({ type: 'integer', default: 3, max: 100 });

    await wrapper.find('[data-testid="add-claim"]').trigger('click');
    await follow();
    const claims = () => mounted.current()['claims'] as JsonObject[];
    expect(claims().map((claim) => claim['id'])).toEqual(['claim']);
    // The claim editor: the left side becomes the declared shared variable, then the operator and the constant.
    await wrapper.find('[data-field="claims[0].check.compare[0].(kind)"]').setValue('shared');
    await follow();
    expect(claims()[0]!['check']).toEqual({ compare: [{ shared: 'total' }, '>', { const: 0 }] });
    await wrapper.find('[data-field="claims[0].check.compare[1]"]').setValue('==');
    await follow();
    const constant = wrapper.find('[data-field="claims[0].check.compare[2].const"]');
    await constant.setValue('2');
    await constant.trigger('change');
    await follow();
    expect(claims()[0]!['check']).toEqual({ compare: [{ shared: 'total' }, '==', { const: 2 }] });
    // The text in two languages: one language edited makes the pair.
    const zh = wrapper.find('[data-field="claims[0].text.zh"]');
    await zh.setValue('每个线程都加了一次');
    await zh.trigger('change');
    await follow();
    expect(claims()[0]!['text']).toEqual({ en: 'what should hold', zh: '每个线程都加了一次' });
    // The check kind switched to "all of" keeps the compare as its first check.
    await wrapper.find('[data-field="claims[0].check.(kind)"]').setValue('all');
    await follow();
    expect(claims()[0]!['check']).toEqual({ all: [{ compare: [{ shared: 'total' }, '==', { const: 2 }] }] });
    await wrapper.find('[data-testid="remove-claim"]').trigger('click');
    await follow();
    expect(mounted.current()).not.toHaveProperty('claims');
  });

  test("the engine's issues are shown on the step they name", async () => {
    const { wrapper } = await mountBuilder(starter, [{ path: 'actors[0].program[1].ms', message: 'too large', expected: 'at most 86400000' }]);
    await flushPromises();
    const step = wrapper.find('[data-step="actors[0].program[1]"]');
    expect(step.classes()).toContain('invalid');
    expect(step.find('[data-testid="step-issue"]').text()).toContain('ms: too large');
    expect(wrapper.findAll('[data-testid="step-issue"]')).toHaveLength(1);
  });
});
