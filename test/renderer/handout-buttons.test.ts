// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import HandoutButtons from '../../src-renderer/components/handout/HandoutButtons.vue';
import { RemoteError } from '../../src-main/contract/messages';
import { FakeLab } from './fake-client';
import { mountWithApp } from './mount-app';

let lab: FakeLab;
const html = (name: string) => ({ fileName: name, mimeType: 'text/html', dataBase64: btoa('<!doctype html><p>x</p>') });

beforeEach(() => {
  lab = new FakeLab()
    .on('lessons.handout', ({ id, answerKey, paper, lang }) => html(`${id}-${answerKey ? 'answer-key' : 'handout'}-${paper}-${lang}.html`))
    .on('packs.handout', () => {
      throw new RemoteError({ name: 'LabError', message: 'lab pack is refused at format: expected "conlab-lab-pack"', code: 'bad-input' });
    })
    .install();
  URL.createObjectURL = vi.fn(() => 'blob:handout');
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => vi.restoreAllMocks());

describe('HandoutButtons', () => {
  test("asks for the lesson's handout or answer key in the chosen language and paper, and saves the file", async () => {
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    const { wrapper } = await mountWithApp(HandoutButtons, { props: { lessonId: 'race-counter' }, locale: 'zh-CN', attachTo: document.body });
    expect(wrapper.get('[data-testid="handout-student"]').text()).toBe('学生讲义');
    expect((wrapper.get('[data-testid="handout-lang"]').element as HTMLSelectElement).value).toBe('zh-CN');
    await wrapper.get('[data-testid="handout-paper"]').setValue('letter');
    await wrapper.get('[data-testid="handout-answers"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="handout-lang"]').setValue('en');
    await wrapper.get('[data-testid="handout-student"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('lessons.handout')).toEqual([
      { id: 'race-counter', lang: 'zh-CN', paper: 'letter', answerKey: true },
      { id: 'race-counter', lang: 'en', paper: 'letter', answerKey: false },
    ]);
    expect(clicks).toEqual(['race-counter-answer-key-letter-zh-CN.html', 'race-counter-handout-letter-en.html']);
    expect(wrapper.get('[data-testid="handout-saved"]').text()).toContain('race-counter-handout-letter-en.html');
    wrapper.unmount();
  });

  test("says why a pack's handout was refused", async () => {
    const { wrapper } = await mountWithApp(HandoutButtons, { props: { packBase64: 'e30=' } });
    await wrapper.get('[data-testid="handout-student"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('packs.handout')).toEqual([{ packBase64: 'e30=', lang: 'en', paper: expect.stringMatching(/^(a4|letter)$/), answerKey: false }]);
    expect(wrapper.get('[data-testid="handout-error"]').text()).toContain('refused at format');
    expect(wrapper.find('[data-testid="handout-saved"]').exists()).toBe(false);
  });
});
