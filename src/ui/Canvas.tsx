import { useEffect, useMemo, useRef } from 'react';
import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type NodeTypes } from '@xyflow/react';
import { useDesigner } from '../store/index.ts';
import { ControllerNode } from './ControllerNode.tsx';
import { toFlow } from './layout.ts';

// Module scope: a new object per render would remount every node (xyflow#1620).
const nodeTypes: NodeTypes = { controller: ControllerNode };
const proOptions = { hideAttribution: true };
const fitViewOptions = { padding: 0.1, maxZoom: 1.25 };
const minimapColor = () => '#5b7fd6';
// Nodes that are neither selectable nor draggable get pointer-events: none unless a click handler
// exists; ours handle their own clicks and drags inside, so a no-op keeps them interactive.
const onNodeClick = () => {};

function FocusFollower() {
  const focus = useDesigner((s) => s.focus);
  const { fitView } = useReactFlow();
  useEffect(() => {
    if (!focus || focus.nodeIds.length === 0) return;
    // one or two nodes get room around them; a whole tree gets the space to be read
    void fitView({ nodes: focus.nodeIds.map((id) => ({ id })), duration: 250, padding: focus.nodeIds.length > 2 ? 0.1 : 0.3, maxZoom: 1.1 });
  }, [focus, fitView]);
  return null;
}

/** Fits the view when the document is replaced (import, new design), not on every edit. */
function FitOnReplace({ signature }: { signature: string }) {
  const { fitView } = useReactFlow();
  const last = useRef(signature);
  useEffect(() => {
    if (last.current === signature) return;
    last.current = signature;
    requestAnimationFrame(() => void fitView(fitViewOptions));
  }, [signature, fitView]);
  return null;
}

export function Canvas() {
  const guest = useDesigner((s) => s.present?.design.guest);
  const source = useDesigner((s) => s.present?.design.source);
  const { nodes, edges } = useMemo(() => (guest ? toFlow(guest) : { nodes: [], edges: [] }), [guest]);
  const signature = useMemo(() => `${source?.text.length ?? 0}:${guest?.name ?? ''}:${guest?.machine ?? ''}`, [source, guest?.name, guest?.machine]);
  return (
    <div className="canvas" aria-label="Guest PCI topology" role="region">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        onNodeClick={onNodeClick}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.2}
        maxZoom={2}
        proOptions={proOptions}
        onlyRenderVisibleElements={nodes.length > 60}
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
        {nodes.length > 12 ? <MiniMap pannable zoomable ariaLabel="Mini map of the topology" nodeColor={minimapColor} nodeStrokeWidth={0} /> : null}
        <FocusFollower />
        <FitOnReplace signature={signature} />
      </ReactFlow>
    </div>
  );
}
