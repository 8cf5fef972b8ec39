// The magic host name: through the proxy, http://tlslab/ (and https://tlslab/) serve the CA page. Constant only.
export const MAGIC_HOST = 'tlslab';
