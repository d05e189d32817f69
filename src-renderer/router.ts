import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

/** Hash history: the page is a file in the app and a single static path in browser mode. */
export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/lessons' },
  { path: '/lessons', name: 'lessons', component: () => import('./pages/LessonsPage.vue') },
  { path: '/seeds', name: 'seeds', component: () => import('./pages/SeedsPage.vue') },
  { path: '/lessons/:id', name: 'lesson', component: () => import('./pages/LessonPage.vue'), props: true },
  { path: '/runs/:runId/live', name: 'live', component: () => import('./pages/LiveRunPage.vue'), props: true },
  { path: '/runs/:runId/distribution', name: 'distribution', component: () => import('./pages/DistributionPage.vue'), props: true },
  { path: '/runs/:runId', name: 'results', component: () => import('./pages/ResultsPage.vue'), props: true },
  { path: '/sweeps/:sweepId', name: 'sweep', component: () => import('./pages/SweepPage.vue'), props: true },
  { path: '/pairs/:pairId', name: 'pair', component: () => import('./pages/PairPage.vue'), props: true },
  { path: '/history', name: 'history', component: () => import('./pages/HistoryPage.vue') },
  { path: '/compare/timeline', name: 'pair-timeline', component: () => import('./pages/PairTimelinePage.vue') },
  { path: '/compare', name: 'compare', component: () => import('./pages/ComparePage.vue') },
  { path: '/composer', name: 'composer', component: () => import('./pages/ComposerPage.vue') },
  { path: '/network', name: 'network', component: () => import('./pages/NetworkPage.vue') },
  { path: '/transfer', name: 'transfer', component: () => import('./pages/TransferPage.vue') },
  { path: '/packs', name: 'packs', component: () => import('./pages/PacksPage.vue') },
  { path: '/packs/new', name: 'pack-builder', component: () => import('./pages/PackBuilderPage.vue') },
  { path: '/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/lessons' },
];

export function createLabRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
