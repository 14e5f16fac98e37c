// The part of d3-node 4 (and of the d3 7 module it carries) that src/report uses.
// d3-node ships no typings and @types/d3 is not installed, so this is declared by hand.
declare module 'd3-node' {
  export type AttrValue = string | number;

  /** A d3 selection of one SVG element, reduced to the chaining calls the charts use. */
  export interface Selection {
    append(name: string): Selection;
    attr(name: string, value: AttrValue): Selection;
    text(value: string): Selection;
    node(): { readonly outerHTML: string } | null;
    remove(): Selection;
  }

  export interface ContinuousScale<Self> {
    (value: number): number;
    domain(): number[];
    domain(domain: readonly number[]): Self;
    range(): number[];
    range(range: readonly number[]): Self;
    clamp(clamp: boolean): Self;
    ticks(count?: number): number[];
  }

  export interface ScaleLinear extends ContinuousScale<ScaleLinear> {
    nice(count?: number): ScaleLinear;
  }

  export interface ScaleLogarithmic extends ContinuousScale<ScaleLogarithmic> {
    base(base: number): ScaleLogarithmic;
    nice(): ScaleLogarithmic;
  }

  export interface D3Module {
    scaleLinear(): ScaleLinear;
    scaleLog(): ScaleLogarithmic;
  }

  export interface D3NodeOptions {
    selector?: string;
    container?: string;
    styles?: string;
  }

  export class D3Node {
    constructor(options?: D3NodeOptions);
    readonly d3: D3Module;
    readonly document: { querySelectorAll(selector: string): { readonly length: number } };
    createSVG(width: number, height: number, attrs?: Record<string, AttrValue>): Selection;
    /** outerHTML of the first <svg>, or '' if none was created. */
    svgString(): string;
  }
}
