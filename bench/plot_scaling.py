#!/usr/bin/env python3
"""Seconds per stage against documents, log-log, as an SVG with no
dependency (docs/scaling.md's plot).

usage: plot_scaling.py POINTS.json OUT.svg
POINTS.json: {"series": {"NAME": [[documents, seconds], ...], ...}}
"""
import json, math, sys

COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#e377c2', '#000000']


def main():
    points = json.load(open(sys.argv[1]))['series']
    xs = [x for s in points.values() for x, _ in s]
    ys = [y for s in points.values() for _, y in s if y > 0]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    w, h, left, top, right, bottom = 640, 400, 70, 20, 170, 50
    pw, ph = w - left - right, h - top - bottom

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y):
        return top + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
           f'font-size="12"><rect width="{w}" height="{h}" fill="white"/>']
    for e in range(x0, x1 + 1):
        out.append(f'<line x1="{px(10**e):.1f}" y1="{top}" x2="{px(10**e):.1f}" y2="{top + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{px(10**e):.1f}" y="{top + ph + 18}" text-anchor="middle">10^{e}</text>')
    for e in range(y0, y1 + 1):
        out.append(f'<line x1="{left}" y1="{py(10**e):.1f}" x2="{left + pw}" y2="{py(10**e):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(10**e) + 4:.1f}" text-anchor="end">{10**e:g} s</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 8}" text-anchor="middle">documents</text>')
    for i, (name, s) in enumerate(points.items()):
        c = COLORS[i % len(COLORS)]
        pts = ' '.join(f'{px(x):.1f},{py(y):.1f}' for x, y in sorted(s) if y > 0)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for x, y in s:
            if y > 0:
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{c}"/>')
        out.append(f'<line x1="{left + pw + 12}" y1="{top + 10 + 18 * i}" x2="{left + pw + 32}" '
                   f'y2="{top + 10 + 18 * i}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 38}" y="{top + 14 + 18 * i}">{name}</text>')
    out.append('</svg>')
    open(sys.argv[2], 'w').write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
