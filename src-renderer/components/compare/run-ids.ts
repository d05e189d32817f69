import { computed, type ComputedRef } from 'vue';
import { useRoute } from 'vue-router';

/** The runs a comparison page shows: the `ids` query, comma-separated, blanks dropped (`?ids=a,b`). */
export function useRunIdsQuery(): ComputedRef<string[]> {
  const route = useRoute();
  return computed(() =>
    String(route.query['ids'] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  );
}
