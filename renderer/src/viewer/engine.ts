import { Enums as CoreEnums, RenderingEngine, getRenderingEngine, type StackViewport } from '@cornerstonejs/core';
import {
  AngleTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LengthTool,
  PanTool,
  PlanarRotateTool,
  RectangleROITool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';

const ENGINE_ID = 'medrwr-viewer';
const TOOL_GROUP_ID = 'medrwr-stack';

/** The tools the left mouse button can take; right drag zooms, middle drag pans and the wheel scrolls throughout. */
export const PRIMARY_TOOLS = {
  windowLevel: WindowLevelTool.toolName as string,
  pan: PanTool.toolName as string,
  zoom: ZoomTool.toolName as string,
  scroll: StackScrollTool.toolName as string,
  rotate: PlanarRotateTool.toolName as string,
  length: LengthTool.toolName as string,
  angle: AngleTool.toolName as string,
  rectangleRoi: RectangleROITool.toolName as string,
  ellipseRoi: EllipticalROITool.toolName as string,
} as const;
export type PrimaryTool = keyof typeof PRIMARY_TOOLS;

export function renderingEngine(): RenderingEngine {
  return (getRenderingEngine(ENGINE_ID) as RenderingEngine | undefined) ?? new RenderingEngine(ENGINE_ID);
}

function toolGroup(): ToolTypes.IToolGroup {
  const existing = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  if (existing) return existing;
  const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID)!;
  for (const name of Object.values(PRIMARY_TOOLS)) group.addTool(name);
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
  return group;
}

/** Puts a viewport on `element` and joins it to the shared tool group. */
export function enableStackViewport(viewportId: string, element: HTMLDivElement): StackViewport {
  const engine = renderingEngine();
  engine.enableElement({ viewportId, element, type: CoreEnums.ViewportType.STACK, defaultOptions: { background: [0, 0, 0] } });
  toolGroup().addViewport(viewportId, ENGINE_ID);
  return engine.getViewport(viewportId) as StackViewport;
}

export function disableStackViewport(viewportId: string): void {
  ToolGroupManager.getToolGroup(TOOL_GROUP_ID)?.removeViewports(ENGINE_ID, viewportId);
  getRenderingEngine(ENGINE_ID)?.disableElement(viewportId);
}

export function stackViewport(viewportId: string): StackViewport | undefined {
  return getRenderingEngine(ENGINE_ID)?.getViewport(viewportId) as StackViewport | undefined;
}

/** Binds the left button to `tool`; the previous left-button tool goes passive (its annotations stay editable). */
export function setPrimaryTool(tool: PrimaryTool): void {
  const group = toolGroup();
  const name = PRIMARY_TOOLS[tool];
  for (const other of Object.values(PRIMARY_TOOLS)) {
    const onPrimary = group.getToolOptions(other)?.bindings?.some((b) => b.mouseButton === ToolEnums.MouseBindings.Primary);
    // Passive drops only the primary binding: right-drag zoom, middle-drag pan and the wheel stay.
    if (other !== name && onPrimary) group.setToolPassive(other);
  }
  group.setToolActive(name, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
}
