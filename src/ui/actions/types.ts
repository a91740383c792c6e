/**
 * A user action as a registered object (DESIGN.md §1; excalidraw's actions/types.ts): its id, label,
 * keyboard shortcut, whether it can run now (and why not), and `perform`, which returns what should
 * change (an engine command, a new document, a session change, a side effect) rather than changing
 * it. The toolbar, the context menu and the keyboard all run actions through run.ts, so one gesture
 * does the same thing from everywhere.
 */
import type { Command, Design, DropPayload, XmlEncoding } from '../../engine/index.ts';
import type { DesignerState, DesignerStore, DocState, MessageAction, Selection } from '../../store/index.ts';

/** Zoom and fit of the canvas, as the canvas offers them (React Flow's viewport); no-ops in tests. */
export interface ViewApi {
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  /** fits the view to these React Flow node ids */
  fitNodes(nodeIds: readonly string[]): void;
}

export interface ActionContext {
  readonly store: DesignerStore;
  readonly view: ViewApi;
}

/** What happens after a document change: where the selection, the view and keyboard focus go. */
export interface Then {
  readonly select?: Selection | null | undefined;
  /** guest devices to select together after the change (what a multi-selection move moved) */
  readonly selectDevices?: readonly string[] | undefined;
  /** React Flow node ids to bring into view */
  readonly focusNodes?: readonly string[] | undefined;
  /** bring into view the buses that hold this after the change (what a move moved) */
  readonly reveal?: DropPayload | undefined;
  /** controller indexes a command adds: the first is selected, and they are shown when no focusNodes are given */
  readonly revealAdded?: readonly number[] | undefined;
  /** data-testid of the element keyboard focus returns to once drawn (the moved item) */
  readonly focusItem?: string | undefined;
  readonly notice?: string | undefined;
  /** say what the change did in a line: 'change' (placed, moved, added) or 'import' */
  readonly summary?: 'change' | 'import' | undefined;
  /** notes to add to the summary (what auto-place could not do as asked) */
  readonly notes?: readonly string[] | undefined;
}

export type Outcome =
  /** an engine command, one undo step */
  | { readonly kind: 'command'; readonly command: Command; readonly label?: string | undefined; readonly then?: Then | undefined }
  /** a whole new design in the same document (auto-place), one undo step */
  | {
      readonly kind: 'design';
      readonly design: Design;
      readonly label: string;
      /** a new host text (Import host), with its file's encoding when the text does not say it (DocState.hostEncoding) */
      readonly hostText?: string | undefined;
      readonly hostEncoding?: XmlEncoding | undefined;
      readonly then?: Then | undefined;
    }
  /** a new document (import, new design, the demo), one undo step; the design it replaces is kept aside */
  | { readonly kind: 'document'; readonly doc: Omit<DocState, 'label'>; readonly label: string; readonly then?: Then | undefined }
  /** selection, menus, messages, history, a setting of the document (the libvirt release): never an undo step */
  | { readonly kind: 'session'; readonly change: (store: DesignerStore) => void }
  /** downloads, clipboard, zoom: outside the store */
  | { readonly kind: 'effect'; readonly run: () => void | Promise<void> }
  /** a message saying why not, with the buttons that offer a way out */
  | { readonly kind: 'error'; readonly message: string; readonly actions?: readonly MessageAction[] | undefined }
  | { readonly kind: 'none' };

/** true, or why the action cannot run now (shown as the control's tooltip). */
export type Enabled = true | string;

export interface Action<A = void> {
  /** stable id: test ids and the registry use it */
  readonly id: string;
  /** what a button or menu item says */
  readonly label: string | ((s: DesignerState, arg: A) => string);
  /** a longer tooltip */
  readonly description?: string | ((s: DesignerState, arg: A) => string) | undefined;
  /** shortcuts: 'Mod+Z', 'Shift+F10', 'Delete', '+', 'Shift+1' (see keys.ts) */
  readonly keys?: readonly string[] | undefined;
  /** listed in the context menu of the selection when this says so */
  readonly inContextMenu?: ((s: DesignerState) => boolean) | undefined;
  enabled(s: DesignerState, arg: A): Enabled;
  perform(ctx: ActionContext, arg: A): Outcome | Promise<Outcome>;
}

export const labelOf = <A>(a: Action<A>, s: DesignerState, arg: A): string => (typeof a.label === 'function' ? a.label(s, arg) : a.label);
export const descriptionOf = <A>(a: Action<A>, s: DesignerState, arg: A): string | undefined => (typeof a.description === 'function' ? a.description(s, arg) : a.description);
