import { afterEach, describe, expect, test, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import { useThrottled } from '../../src-renderer/components/live/throttled';

describe('useThrottled', () => {
  afterEach(() => vi.useRealTimers());

  test('follows its source at most once an interval while throttled (first change at once, the newest at the end), at once otherwise', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const source = ref(0);
    const streaming = ref(true);
    const shown = useThrottled(() => source.value, 250, () => streaming.value);
    expect(shown.value).toBe(0);
    source.value = 1;
    await nextTick();
    expect(shown.value).toBe(1);
    // Within the interval: held back, then the newest one shows when it is over.
    source.value = 2;
    await nextTick();
    source.value = 3;
    await nextTick();
    expect(shown.value).toBe(1);
    vi.advanceTimersByTime(249);
    expect(shown.value).toBe(1);
    vi.advanceTimersByTime(1);
    expect(shown.value).toBe(3);
    source.value = 4;
    await nextTick();
    expect(shown.value).toBe(3);
    // The stream is over: the source itself, at once, and no late change after.
    streaming.value = false;
    expect(shown.value).toBe(4);
    source.value = 5;
    await nextTick();
    expect(shown.value).toBe(5);
    vi.advanceTimersByTime(1_000);
    expect(shown.value).toBe(5);
  });
});
