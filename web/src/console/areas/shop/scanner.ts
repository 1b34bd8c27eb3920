// The till's camera: the device's back camera in a <video>, its frames read for a QR by the
// browser's BarcodeDetector where it has one for QR codes, else by qr-scanner (loaded only then;
// its decoder runs in a worker made from a blob: URL, which the CSP allows: worker-src 'self' blob:).
// The first code read stops the camera and is handed to `onCode`.
import { nextTick, onBeforeUnmount, ref } from 'vue'

type Decode = (video: HTMLVideoElement) => Promise<string | null>
/** Why the camera is not there, as an i18n key's last part (shop.till.camera.<why>). */
export type CameraTrouble = 'denied' | 'none' | 'insecure' | 'failed'

interface Detector { detect: (source: HTMLVideoElement) => Promise<{ rawValue: string }[]> }
interface DetectorClass {
  new (options: { formats: string[] }): Detector
  getSupportedFormats?: () => Promise<string[]>
}

const FRAME_MS = 200

async function nativeDecoder(): Promise<Decode | null> {
  const BD = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector
  if (!BD) return null
  try {
    const formats = BD.getSupportedFormats ? await BD.getSupportedFormats() : []
    if (!formats.includes('qr_code')) return null
    const detector = new BD({ formats: ['qr_code'] })
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null
  } catch {
    return null
  }
}

export function useScanner(onCode: (text: string) => void) {
  const video = ref<HTMLVideoElement | null>(null)
  const active = ref(false)
  const starting = ref(false)
  const trouble = ref<CameraTrouble | null>(null)

  let stream: MediaStream | null = null
  let decode: Decode | null = null
  let release: () => void = () => undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  async function decoder(): Promise<Decode> {
    const native = await nativeDecoder()
    if (native) return native
    const { default: QrScanner } = await import('qr-scanner')
    const engine = await QrScanner.createQrEngine()
    const canvas = document.createElement('canvas')
    release = () => {
      if (engine instanceof Worker) engine.terminate()
    }
    return async (v) => {
      try {
        const found = await QrScanner.scanImage(v, { qrEngine: engine, canvas, returnDetailedScanResult: true })
        return found.data || null
      } catch {
        return null // no QR in this frame
      }
    }
  }

  async function frame(): Promise<void> {
    const v = video.value
    if (!active.value || !v || !decode) return
    const text = v.readyState >= 2 ? await decode(v) : null
    if (!active.value) return
    if (text) {
      stop()
      onCode(text)
    } else {
      timer = setTimeout(() => void frame(), FRAME_MS)
    }
  }

  async function start(): Promise<void> {
    if (active.value || starting.value) return
    trouble.value = null
    if (!navigator.mediaDevices?.getUserMedia) {
      trouble.value = 'insecure'
      return
    }
    starting.value = true
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
    } catch (e) {
      const name = e instanceof DOMException ? e.name : ''
      trouble.value = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'none' : 'failed'
      starting.value = false
      return
    }
    try {
      decode ??= await decoder()
      active.value = true
      await nextTick()
      const v = video.value
      if (!v) throw new Error('no video element')
      v.srcObject = stream
      await v.play()
      void frame()
    } catch {
      stop()
      trouble.value = 'failed'
    } finally {
      starting.value = false
    }
  }

  function stop(): void {
    active.value = false
    clearTimeout(timer)
    stream?.getTracks().forEach((track) => track.stop())
    stream = null
    if (video.value) video.value.srcObject = null
  }

  onBeforeUnmount(() => {
    stop()
    release()
  })

  return { video, active, starting, trouble, start, stop }
}
