import { init as initCore, isCornerstoneInitialized } from '@cornerstonejs/core';
import { init as initTools, addTool, WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool } from '@cornerstonejs/tools';

let started = false;

/** Starts cornerstone3D core and tools once per page and registers the tools the viewer uses. */
export function initCornerstone(): void {
  if (started) return;
  if (!isCornerstoneInitialized()) initCore();
  initTools();
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool]) addTool(tool);
  started = true;
}
